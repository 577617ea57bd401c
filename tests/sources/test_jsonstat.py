"""JSON-stat 2.0 reader, on responses built to the published specification (json-stat.org).

No recorded Eurostat JSON-stat answer is available; these documents follow the JSON-stat 2.0
format page (dataset class, id/size/dimension/value/status, index as array or object, sparse
value objects, role.time) and Eurostat's error answer shape.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusteratlas.errors import FetchError, InputError
from clusteratlas.sources.jsonstat import build_jsonstat, read_jsonstat


def cube(**over):
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": "Employment",
        "updated": "2024-04-25T23:00:00+0200",
        "id": ["unit", "geo", "time"],
        "size": [1, 2, 3],
        "dimension": {
            "unit": {"label": "unit", "category": {"label": {"THS": "Thousand persons"}}},
            "geo": {"category": {"index": {"AT1": 0, "AT2": 1}}},
            "time": {"category": {"index": ["2013", "2014", "2015"]}},
        },
        "value": [1.0, None, 3.5, 4.0, 5.25, None],
        "status": {"1": "c", "4": "bep"},
    }
    doc.update(over)
    return doc


def test_dense_values_with_nulls_and_statuses() -> None:
    df = read_jsonstat(cube())
    assert list(df.columns) == ["unit", "geo", "time", "value", "flag"]
    # cell 5 (AT2, 2015) has neither value nor status: not an observation
    assert len(df) == 5
    assert df["geo"].astype(str).tolist() == ["AT1", "AT1", "AT1", "AT2", "AT2"]
    assert df["time"].tolist() == ["2013", "2014", "2015", "2013", "2014"]
    assert df["value"].tolist()[0] == 1.0 and np.isnan(df["value"].iloc[1])
    assert df["flag"].tolist() == [None, "c", None, None, "bep"]
    assert df.attrs["updated"] == "2024-04-25T23:00:00+0200" and df.attrs["cells"] == 6


def test_sparse_values_give_same_frame_as_dense() -> None:
    sparse = cube(value={"0": 1.0, "2": 3.5, "3": 4.0, "4": 5.25})
    pd.testing.assert_frame_equal(read_jsonstat(sparse), read_jsonstat(cube()))


def test_status_as_string_applies_to_every_cell() -> None:
    df = read_jsonstat(cube(status="p"))
    assert set(df["flag"]) == {"p"} and len(df) == 6  # the status makes cell 5 an observation


def test_status_as_list_and_colon_means_missing() -> None:
    df = read_jsonstat(cube(status=[None, ":", "", "e", None, ":"]))
    assert df["flag"].tolist() == [None, None, None, "e", None, None]
    assert len(df) == 6 and np.isnan(df["value"].iloc[5])


def test_role_time_names_the_time_dimension() -> None:
    doc = cube()
    doc["id"] = ["unit", "geo", "period"]
    doc["dimension"]["period"] = doc["dimension"].pop("time")
    doc["role"] = {"time": ["period"]}
    assert "time" in read_jsonstat(doc).columns


def test_dimension_ids_are_lowercased() -> None:
    doc = cube()
    doc["id"] = ["UNIT", "geo", "time"]
    doc["dimension"]["UNIT"] = doc["dimension"].pop("unit")
    assert "unit" in read_jsonstat(doc).columns


def test_accepts_bytes_text_and_path(tmp_path) -> None:
    text = json.dumps(cube())
    p = tmp_path / "x.json"
    p.write_text(text)
    a, b, c = read_jsonstat(text), read_jsonstat(text.encode()), read_jsonstat(p)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_eurostat_error_answer_is_a_fetch_error() -> None:
    err = {"error": [{"status": 400, "id": 100, "label": "Dataset not found: nope"}]}
    with pytest.raises(FetchError, match="error 100: Dataset not found"):
        read_jsonstat(err, name="https://x/statistics/1.0/data/nope")


@pytest.mark.parametrize(
    ("change", "message", "column"),
    [
        ({"size": [1, 3, 3]}, "size says 3 categories", "geo"),
        ({"value": [1.0, 2.0]}, "'value' has 2 items", None),
        ({"value": {"9": 1.0}}, "outside the cube", None),
        ({"value": ["a", 1, 1, 1, 1, 1]}, "not a number", None),
        ({"class": "collection"}, "is not 'dataset'", None),
        ({"id": ["unit", "geo"]}, "'id' has 2 dimensions", None),
    ],
)
def test_bad_documents_name_the_problem(change, message, column) -> None:
    with pytest.raises(InputError) as err:
        read_jsonstat(cube(**change), name="resp.json")
    assert message in str(err.value) and "resp.json" in str(err.value)
    if column:
        assert err.value.column == column


def test_bad_index_position() -> None:
    doc = cube()
    doc["dimension"]["geo"]["category"]["index"] = {"AT1": 0, "AT2": 0}
    with pytest.raises(InputError, match="bad position"):
        read_jsonstat(doc)


def test_not_json() -> None:
    with pytest.raises(InputError, match="not JSON"):
        read_jsonstat(b"<html>", name="r")


tidy_rows = st.lists(
    st.tuples(
        st.sampled_from(["AT1", "AT2", "BE1"]),
        st.sampled_from(["2019", "2020"]),
        st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3))),
        st.sampled_from([None, "e", "c", "bep", "u"]),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda r: (r[0], r[1]),
)


@settings(max_examples=60, deadline=None)
@given(tidy_rows, st.booleans())
def test_round_trip_build_then_read(rows, sparse) -> None:
    """ROUND TRIP, not an independent check: the package's own ``build_jsonstat`` (used to
    write answers for users' mirrors and demos) and ``read_jsonstat`` agree on any table.
    The independent checks are the hand-written documents above and below."""
    tidy = pd.DataFrame(rows, columns=["geo", "time", "value", "flag"])
    tidy["value"] = tidy["value"].astype(float)
    tidy["flag"] = pd.Series([r[3] for r in rows], dtype=object)
    back = read_jsonstat(build_jsonstat(tidy, dims=["geo"], sparse=sparse))
    key = ["geo", "time"]
    a = tidy.sort_values(key).reset_index(drop=True)
    b = back.assign(geo=back["geo"].astype(str)).sort_values(key).reset_index(drop=True)
    assert a[key].values.tolist() == b[key].values.tolist()
    np.testing.assert_array_equal(a["value"].to_numpy(), b["value"].to_numpy())
    assert a["flag"].tolist() == b["flag"].tolist()


def test_hand_written_document_equals_the_real_bulk_file(shared_file) -> None:
    """Independent: a JSON-stat 2.0 document typed by hand from line 487 of the recorded bulk
    TSV (``THS,A,Y15-64,AT11  5.7 u  5.7 u  5.7 u  5.8 u  5.8 u  7.1  7.5  7.3 b``, years
    2015 … 2008), time ascending, index as an object: the reader must give the cells the
    TSV reader gives."""
    from clusteratlas.sources.eurostat_tsv import read_eurostat_tsv

    doc = {
        "version": "2.0",
        "class": "dataset",
        "id": ["unit", "nace_r2", "age", "geo", "time"],
        "size": [1, 1, 1, 1, 8],
        "dimension": {
            "unit": {"category": {"index": {"THS": 0}}},
            "nace_r2": {"category": {"index": {"A": 0}}},
            "age": {"category": {"index": {"Y15-64": 0}}},
            "geo": {"category": {"index": {"AT11": 0}}},
            "time": {"category": {"index": {str(y): y - 2008 for y in range(2008, 2016)}}},
        },
        "value": [7.3, 7.5, 7.1, 5.8, 5.8, 5.7, 5.7, 5.7],
        "status": {"0": "b", "3": "u", "4": "u", "5": "u", "6": "u", "7": "u"},
    }
    got = read_jsonstat(json.dumps(doc))
    tidy = read_eurostat_tsv(shared_file("eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"))
    ref = tidy[(tidy["geo"] == "AT11") & (tidy["nace_r2"] == "A") & (tidy["age"] == "Y15-64")]
    ref = ref[ref["unit"] == "THS"].astype({"time": str}).sort_values("time")
    assert got["time"].tolist() == [str(y) for y in range(2008, 2016)] == ref["time"].tolist()
    assert got["value"].tolist() == ref["value"].tolist()
    assert got["flag"].tolist() == ref["flag"].tolist()


def test_independent_writer_on_real_bulk_subset(shared_file) -> None:
    """Independent: the real table's Austrian rows written as JSON-stat by the test side's own
    writer (``fakeserver.jsonstat_document``: sorted categories, index arrays, dense values),
    then read back, equal the TSV reader's rows."""
    from fakeserver import jsonstat_document

    from clusteratlas.sources.eurostat_tsv import read_eurostat_tsv

    tidy = read_eurostat_tsv(shared_file("eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"))
    sub = tidy[tidy["geo"].astype(str).str.startswith("AT") & (tidy["nace_r2"] == "A")]
    dims = ["unit", "nace_r2", "age", "geo"]
    back = read_jsonstat(json.dumps(jsonstat_document(sub, dims, updated="2017-04-27")))
    key = [*dims, "time"]
    a = sub.astype({d: str for d in key}).sort_values(key).reset_index(drop=True)
    b = back.astype({d: str for d in key}).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[key], b[key])
    np.testing.assert_array_equal(a["value"].to_numpy(), b["value"].to_numpy())
    assert a["flag"].tolist() == b["flag"].tolist()
    assert b["flag"].notna().sum() > 0 and b["value"].isna().sum() > 0
