"""Our change-table format: reading, writing, inverting, chaining; and the official derivation."""

from __future__ import annotations

import pytest

from clusteratlas.errors import InputError
from clusteratlas.transform.nuts_changes import (
    Change,
    ChangeTable,
    find_path,
    read_change_tables,
    write_change_table,
)
from clusteratlas.transform.nuts_official import official_change_table

HEADER = "from_version,to_version,level,code_from,code_to,relation,note\n"


def test_roundtrip_and_inversion(tmp_path):
    t = ChangeTable(
        "2016",
        "2021",
        [
            Change("NO021", "NO020", "merge", 3, "NO020 = NO021+NO022"),
            Change("NO022", "NO020", "merge", 3),
            Change("HR04", "HR05", "split", 2),
            Change(None, "NO0B1", "new", 3),
        ],
        "test",
    )
    path = write_change_table(t, tmp_path / "sub" / "changes.csv")
    (back,) = read_change_tables(path)
    assert back.changes == t.changes
    assert back.incoming("NO020") == t.changes[:2]
    inv = t.inverted()
    assert (inv.from_version, inv.to_version) == ("2021", "2016")
    assert [c.relation for c in inv.changes] == ["split", "split", "merge", "discontinued"]
    assert inv.changes[3].code_from == "NO0B1" and inv.changes[3].code_to is None


@pytest.mark.parametrize(
    ("row", "line", "column", "message"),
    [
        ("2016,2021,3,NO021,NO020,merged,", 2, "relation", "unknown relation"),
        ("2016,21,3,NO021,NO020,merge,", 2, "to_version", "a year"),
        ("2016,2021,3,NO 21,NO020,merge,", 2, "code_from", "not a NUTS code"),
        ("2016,2021,3,,NO020,merge,", 2, "code_from", "needs code_from"),
        ("2016,2021,3,NO021,NO020,discontinued,", 2, "code_to", "must leave"),
        ("2016,2021,7,NO021,NO020,merge,", 2, "level", "level must be"),
        ("2016,2021,3,NO021,NO020,same,", 2, "relation", "equal codes"),
    ],
)
def test_bad_rows_name_file_line_column(tmp_path, row, line, column, message):
    p = tmp_path / "bad.csv"
    p.write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_change_tables(p)
    assert err.value.line == line and err.value.column == column
    assert message in str(err.value) and str(p) in str(err.value)


def test_missing_columns_and_file(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("code_from,code_to\nA,B\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        read_change_tables(p)
    with pytest.raises(InputError, match="no such"):
        read_change_tables(tmp_path / "absent.csv")


def test_find_path_chains_and_inverts():
    a = ChangeTable("2013", "2016", [Change("HU10", "HU11", "split")], "a")
    b = ChangeTable("2016", "2021", [Change("HR04", "HR05", "split")], "b")
    chain = find_path([a, b], "2013", "2021")
    assert [(t.from_version, t.to_version) for t in chain] == [("2013", "2016"), ("2016", "2021")]
    back = find_path([a, b], "2021", "2013")
    assert [t.source for t in back] == ["b (inverted)", "a (inverted)"]
    assert find_path([a], "2016", "2016") == []
    with pytest.raises(InputError, match="no NUTS change table leads from 2016 to 2024") as err:
        find_path([a, b], "2016", "2024")
    assert err.value.parameter == "--to"


@pytest.fixture(scope="module")
def official(shared_data):
    t = official_change_table(shared_data)
    assert t is not None
    return t


def _rel(table, f, t):
    found = [c for c in table.outgoing(f) if c.code_to == t]
    return found[0].relation if found else None


def test_official_2016_2021_known_changes(official):
    t = official
    # Croatia: HR04 split into HR02, HR05, HR06; its level-3 regions recoded one to one
    assert {c.code_to for c in t.outgoing("HR04")} == {"HR02", "HR05", "HR06"}
    assert {c.relation for c in t.outgoing("HR04")} == {"split"}
    assert _rel(t, "HR041", "HR050") == "recode" and _rel(t, "HR04E", "HR028") == "recode"
    # Norway: exact level-3 merges from the official equations
    assert {c.code_from for c in t.incoming("NO082")} == {"NO012", "NO031", "NO032"}
    assert {c.relation for c in t.incoming("NO082")} == {"merge"}
    assert _rel(t, "NO01", "NO08") == "merge" and _rel(t, "NO03", "NO08") == "partial"
    assert _rel(t, "NO05", "NO0A") == "merge" and _rel(t, "NO04", "NO0A") == "partial"
    assert [c.relation for c in t.incoming("NO0B")] == ["new"]
    assert _rel(t, "NO", "NO") == "boundary"  # Svalbard & Jan Mayen joined NUTS
    # Belgium: Tournai + Mouscron merged; La Louvière made of parts of four arrondissements
    assert {c.code_from for c in t.incoming("BE328")} == {"BE324", "BE327"}
    assert {c.relation for c in t.incoming("BE329")} == {"partial"}
    assert _rel(t, "BE321", "BE32A") == "boundary"
    # Sardinia
    assert {c.relation for c in t.incoming("ITG2D")} == {"merge"}
    assert _rel(t, "ITG27", "ITG2F") == "partial"  # "made of smaller part of ex-ITG27"
    assert _rel(t, "ITG28", "ITG2G") == "boundary" and _rel(t, "ITG28", "ITG2H") == "partial"
    # Northern Ireland: recoded at level 3, no change at level 2 (UKN1x belonged to UKN0)
    assert _rel(t, "UKN10", "UKN0A") == "recode"
    assert t.outgoing("UKN0") == [] and t.outgoing("UKN1") == []
    assert _rel(t, "UKK21", "UKK24") == "boundary"
    assert _rel(t, "ES52", "ES52") == "same"  # renamed only
    assert t.counts() == {
        "same": 14,
        "boundary": 14,
        "split": 3,
        "merge": 21,
        "partial": 15,
        "new": 3,
        "recode": 24,
    }
