"""The library on SQLite and PostgreSQL: records, full text, facets, compare, import, export."""

from __future__ import annotations

import json

import pytest

from clusteratlas.appdb import library as lib
from clusteratlas.appdb.audit import entries
from clusteratlas.errors import InputError, NotFoundError

EXAMPLE_COUNTS = {"programme": 8, "practice": 6}  # the records in appdb/data/example_*.json


@pytest.fixture
def loaded(db):
    assert lib.load_examples(db) == EXAMPLE_COUNTS
    return db


def test_examples_are_labelled(loaded):
    for kind in ("programme", "practice"):
        items = lib.search(loaded, kind, per_page=100)["items"]
        assert len(items) == EXAMPLE_COUNTS[kind]
        text_field = "objectives" if kind == "programme" else "summary"
        assert all(i["example"] and i[text_field].startswith("EXAMPLE (fictional") for i in items)


def test_full_text_every_word_as_prefix(loaded):
    hits = lib.search(loaded, "programme", q="intern partner")
    # "intern*" and "partner*": the two programmes on internationalisation partnerships
    assert {i["slug"] for i in hits["items"]} == {
        "demoland-go-international",
        "border-river-partnership",
    }
    assert lib.search(loaded, "programme", q="zzzzqqq")["total"] == 0
    # punctuation and operators typed by users are not syntax
    assert lib.search(loaded, "programme", q='"energy" OR (* -')["total"] >= 1
    assert [i["slug"] for i in lib.search(loaded, "practice", q="heat exchange")["items"]] == [
        "shared-energy-audit"
    ]


def test_facets_count_with_the_other_filters(loaded):
    res = lib.search(loaded, "programme", filters={"themes": ["skills"]})
    # two programmes carry the theme "skills": the skills alliances and the green fund
    assert {i["slug"] for i in res["items"]} == {
        "demoland-skills-alliances",
        "xd1-green-transition-clusters",
    }
    levels = {f["value"]: f["count"] for f in res["facets"]["level"]}
    assert levels == {"national": 1, "regional": 1}
    # the themes facet itself ignores the themes filter: all 8 programmes' themes counted
    themes = {f["value"]: f["count"] for f in res["facets"]["themes"]}
    assert themes["skills"] == 2 and themes["monitoring and evaluation"] == 2
    assert any(f["selected"] for f in res["facets"]["themes"])
    with pytest.raises(InputError) as info:
        lib.search(loaded, "programme", filters={"colour": ["red"]})
    assert info.value.parameter == "colour"


def test_compare_two_to_four(loaded):
    out = lib.compare(loaded, ["demoland-cluster-excellence", "demoland-go-international"])
    assert [p["slug"] for p in out["programmes"]] == [
        "demoland-cluster-excellence",
        "demoland-go-international",
    ]
    assert out["shared"]["target_groups"] == ["SMEs", "cluster organisations"]
    with pytest.raises(InputError):
        lib.compare(loaded, ["demoland-cluster-excellence"])
    with pytest.raises(NotFoundError):
        lib.compare(loaded, ["demoland-cluster-excellence", "nope"])


def test_import_names_every_error_and_writes_nothing(db, tmp_path):
    bad = tmp_path / "programmes.csv"
    bad.write_text(
        "slug,title,country,level,period_start,period_end,budget_eur,colour\n"
        "good-one,Good,XD,national,2020,2024,1000,\n"
        "Bad Slug,,Spain,galactic,20x4,2020,-5,red\n"
        "good-one,Again,XD,regional,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(lib.ImportErrors) as info:
        lib.import_file(db, "programme", bad, actor="editor@example.org")
    got = {(row, col) for row, col, _ in info.value.errors}
    assert got == {
        (3, "slug"),
        (3, "title"),
        (3, "country"),
        (3, "level"),
        (3, "period_start"),
        (3, "budget_eur"),
        (1, "colour"),
        (4, "slug"),
    }
    assert "programmes.csv, line 3, column 'country'" in str(info.value)
    assert lib.search(db, "programme")["total"] == 0


def test_export_import_round_trip_and_audit(loaded, tmp_path):
    for fmt in ("json", "csv"):
        text = lib.export(loaded, "programme", fmt)
        path = tmp_path / f"p.{fmt}"
        path.write_text(text, encoding="utf-8")
        lib.import_file(loaded, "programme", path, actor="editor@example.org")
        assert lib.export(loaded, "programme", fmt) == text
    assert len(json.loads(lib.export(loaded, "programme", "json"))) == EXAMPLE_COUNTS["programme"]
    before = lib.get(loaded, "programme", "demoland-skills-alliances")
    lib.save(
        loaded,
        "programme",
        {
            **{k: before[k] for k in before if k not in ("id", "updated_at", "practices")},
            "title": "Renamed",
        },
        actor="ed@example.org",
    )
    with loaded.read() as s:
        last = entries(s, entity="programme", limit=1)[0]
    assert last["actor"] == "ed@example.org" and last["action"] == "update"
    assert last["before"]["title"] == "Cluster skills alliances"
    assert last["after"]["title"] == "Renamed"
    lib.remove(loaded, "programme", "demoland-skills-alliances", actor="ed@example.org")
    assert lib.search(loaded, "programme", q="Renamed")["total"] == 0


def test_programme_page_lists_its_practices(loaded):
    prog = lib.get(loaded, "programme", "xd3-emerging-industries")
    assert [p["slug"] for p in prog["practices"]] == ["cross-cluster-challenges"]
