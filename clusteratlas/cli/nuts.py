"""``clusteratlas nuts detect|convert|changes``: NUTS versions of region codes.

* ``nuts detect FILE --column geo`` or ``nuts detect --store PATH --dataset D``: which NUTS
  version the codes are written in (share per version, marker codes, codes in no version);
* ``nuts convert --store PATH --dataset D --to 2021 [--changes FILE] [--report OUT.csv]``:
  a converted copy of the dataset (``D-nuts2021``), written atomically with provenance;
  ``nuts convert FILE --from 2016 --to 2021 --out OUT.csv`` does the same for a CSV file;
* ``nuts changes --from 2016 --to 2021 [--out FILE]``: the change table used, in our format.

``docs/nuts.md`` explains the rules (what is summed, what is only flagged).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from clusteratlas.cli.common import StoreOption, console, store_path
from clusteratlas.cli.options import NutsVersion
from clusteratlas.errors import InputError
from clusteratlas.store.provenance import input_file

FileArg = typer.Argument(None, help="A CSV/TSV file (gzip ok) instead of a stored dataset.")


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError("no such file", file=path)
    name = path.name.lower().removesuffix(".gz")
    sep = "\t" if name.endswith((".tsv", ".tab")) else ","
    try:
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"cannot read the file ({exc})", file=path) from exc


def _column(df: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """The named column; in Eurostat TSVs also a part of the combined first column."""
    if column in df.columns:
        return df[column].str.strip()
    first = df.columns[0]
    parts = [p.split("\\")[0] for p in first.split(",")]
    if column in parts:
        return df[first].str.split(",").str[parts.index(column)].str.strip()
    raise InputError(
        f"no column {column!r} (have: {', '.join(map(str, df.columns[:12]))})",
        file=path,
        column=column,
    )


def _write_csv(frame: pd.DataFrame, path: Path, record: dict) -> None:
    """Write atomically (a temp file in the same folder, then rename), with the provenance
    sidecar ``PATH.provenance.json``."""
    from clusteratlas.store.provenance import write_output

    write_output(frame, path, record, fmt="csv")


def _provenance(command: str, chain: list, versions: list, **kw: object) -> dict:
    """The provenance record of a ``nuts`` output: change tables used (packaged ones as
    datasets, with their source and licence), versions, inputs and options."""
    from clusteratlas.classifications import reference
    from clusteratlas.store.provenance import build_record

    packaged = {e["file"]: e["name"] for e in reference.manifest()["lists"]}
    datasets = [reference.dataset_record(packaged[Path(str(t.source)).name])
                for t in chain if Path(str(t.source)).name in packaged]  # fmt: skip
    options = {k: v for k, v in kw.items() if k not in ("inputs", "datasets")}
    options["change_tables"] = [str(t.source) for t in chain]
    return build_record(
        command,
        inputs=kw.get("inputs", []),  # type: ignore[arg-type]
        options=options,
        datasets=[*datasets, *kw.get("datasets", [])],  # type: ignore[misc]
        nuts_versions=[v for v in versions if v],
    )


def _print_report(report: pd.DataFrame, limit: int = 40) -> None:
    changed = report[~report["action"].isin(["unchanged", "kept-unknown", "kept-target-code"])]
    t = Table(title="change report (changed codes)")
    for c in ("code_from", "code_to", "change", "action", "rows_in", "rows_out"):
        t.add_column(c, justify="right" if c.startswith("rows") else "left")
    for r in changed.head(limit).itertuples():
        t.add_row(r.code_from, r.code_to, r.change, r.action, f"{r.rows_in:,}", f"{r.rows_out:,}")
    console.print(t)
    if len(changed) > limit:
        console.print(f"… {len(changed) - limit} more rows (use --report FILE)")
    kept = report[report["action"].isin(["kept-unknown", "kept-target-code"])]
    for action, part in kept.groupby("action"):
        codes = ", ".join(part["code_from"].head(15)) + (" …" if len(part) > 15 else "")
        console.print(f"{action}: {len(part)} codes ({codes})", highlight=False)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="NUTS versions: detect, convert, show change tables.")
    app.add_typer(group, name="nuts", no_args_is_help=True)

    @group.command("detect")
    def detect(
        file: Path | None = FileArg,
        column: str = typer.Option("geo", "--column", help="Region column of FILE."),
        store: Path | None = StoreOption,
        dataset: str | None = typer.Option(None, "--dataset", help="Stored dataset."),
    ) -> None:
        """Which NUTS version (2013, 2016, 2021, 2024) are the region codes written in?"""
        from clusteratlas.classifications.nuts_detect import detect_version
        from clusteratlas.classifications.nuts_lists import code_lists
        from clusteratlas.store import Store
        from clusteratlas.transform.nuts_store import detect_dataset

        if file is not None:
            codes = _column(_read_table(file), column, file)
            if store is not None:  # also use the code lists loaded into that store
                with Store(store_path(store), read_only=True) as s:
                    lists = code_lists(s)
            else:
                lists = code_lists()
            guess = detect_version(codes, lists)
        elif dataset is not None:
            with Store(store_path(store), read_only=True) as s:
                guess = detect_dataset(s, dataset)
        else:
            raise InputError("give a FILE or --dataset", parameter="--dataset")
        console.print(guess.summary(), highlight=False)

    @group.command("convert")
    def convert(
        file: Path | None = FileArg,
        to: NutsVersion = typer.Option(..., "--to", help="Target NUTS version, e.g. 2021."),
        from_: NutsVersion | None = typer.Option(
            None, "--from", help="Source NUTS version (default: detected)."
        ),
        store: Path | None = StoreOption,
        dataset: str | None = typer.Option(None, "--dataset", help="Stored dataset to convert."),
        new_dataset: str | None = typer.Option(
            None, "--new-dataset", help="Name of the result (default D-nuts<TO>)."
        ),
        in_place: bool = typer.Option(False, "--in-place", help="Replace the dataset itself."),
        changes: list[Path] | None = typer.Option(
            None, "--changes", help="Change table(s) in our CSV format (docs/nuts.md)."
        ),
        additive: list[str] | None = typer.Option(
            None, "--additive", help="Measure that may be summed over merged regions (repeat)."
        ),
        rebuild: bool = typer.Option(
            True, "--rebuild/--no-rebuild", help="Fill split regions from their children."
        ),
        report: Path | None = typer.Option(None, "--report", help="Write the change report CSV."),
        out: Path | None = typer.Option(None, "--out", help="FILE mode: converted CSV."),
        column: str = typer.Option("geo", "--column", help="FILE mode: region column."),
        value_column: str = typer.Option("value", "--value-column", help="FILE mode: values."),
        measure_column: str = typer.Option("measure", "--measure-column"),
    ) -> None:
        """Convert observations to another NUTS version, with a change report."""
        to, from_ = to.value, from_.value if from_ is not None else None  # type: ignore[assignment]
        from clusteratlas.transform.nuts_store import available_tables
        from clusteratlas.transform.nuts_versions import ADDITIVE_MEASURES

        files = list(changes or [])
        if file is not None:
            if out is None or from_ is None:
                raise InputError("FILE mode needs --from and --out", parameter="--out")
            from clusteratlas.transform.nuts_changes import find_path
            from clusteratlas.transform.nuts_versions import convert_frame

            df = _read_table(file)
            for col in (column, value_column):
                if col not in df.columns:
                    raise InputError(f"no column {col!r}", file=file, column=col)
            df[value_column] = pd.to_numeric(df[value_column], errors="coerce")
            chain = find_path(available_tables(files), from_, to)
            keys = [c for c in df.columns if c not in (column, value_column, "flag")]
            with console.status("converting…"):
                conv = convert_frame(
                    df,
                    chain,
                    additive=set(additive) if additive else False,
                    keys=keys,
                    region=column,
                    value=value_column,
                    measure=measure_column,
                    rebuild=rebuild,
                )
            record = _provenance(
                "nuts convert",
                chain,
                [from_, to],
                inputs=[input_file("data", file), *(input_file("changes", f) for f in files)],
                from_version=from_, to_version=to, additive=sorted(additive or []),
                rebuild=rebuild, column=column, value_column=value_column,
            )  # fmt: skip
            _write_csv(conv.frame, out, record)
            rep = conv.report
            console.print(f"wrote {out} ({len(conv.frame):,} rows)", highlight=False)
        else:
            if dataset is None:
                raise InputError("give --dataset (or a FILE)", parameter="--dataset")
            from clusteratlas.store import Store
            from clusteratlas.transform.nuts_store import convert_dataset

            with Store(store_path(store)) as s, console.status(f"converting {dataset}…"):
                res = convert_dataset(
                    s,
                    dataset,
                    to,
                    from_version=from_,
                    changes_files=files,
                    additive=(ADDITIVE_MEASURES | set(additive)) if additive else None,
                    new_dataset=dataset if in_place else new_dataset,
                    rebuild=rebuild,
                )
            rep = res.report
            record = _provenance(
                "nuts convert", [], [res.from_version, res.to_version],
                store=str(store_path(store)), dataset=dataset, new_dataset=res.new_dataset,
                tables=str(res.tables), rebuild=rebuild,
            )  # fmt: skip
            console.print(res.tables, highlight=False)
            counts = ", ".join(f"{k} {v:,}" for k, v in sorted(res.counts.items()))
            console.print(
                f"{res.dataset} (NUTS {res.from_version}) → {res.new_dataset} "
                f"(NUTS {res.to_version}): {res.rows:,} rows; {counts}",
                highlight=False,
            )
        _print_report(rep)
        if report is not None:
            _write_csv(rep, report, {**record, "table": "change report"})
            console.print(f"wrote {report}", highlight=False)

    @group.command("changes")
    def changes_cmd(
        from_: NutsVersion = typer.Option(..., "--from", help="From NUTS version, e.g. 2016."),
        to: NutsVersion = typer.Option(..., "--to", help="To NUTS version, e.g. 2021."),
        changes: list[Path] | None = typer.Option(None, "--changes", help="Extra change tables."),
        out: Path | None = typer.Option(None, "--out", help="Write the table(s) as CSV."),
    ) -> None:
        """Show (or export) the change table(s) between two NUTS versions."""
        from_, to = from_.value, to.value  # type: ignore[assignment]
        from clusteratlas.transform.nuts_changes import describe, find_path
        from clusteratlas.transform.nuts_store import available_tables

        chain = find_path(available_tables(list(changes or [])), from_, to)
        console.print(describe(chain), highlight=False)
        rows = pd.DataFrame([r for t in chain for r in t.rows()])
        shown = rows[rows["relation"] != "same"] if len(rows) else rows
        t = Table(title=f"NUTS {from_} → {to}: changed codes")
        for c in ("level", "code_from", "code_to", "relation", "note"):
            t.add_column(c, overflow="fold")
        for r in shown.itertuples():
            t.add_row(str(r.level), r.code_from, r.code_to, r.relation, r.note[:70])
        console.print(t)
        if out is not None:
            record = _provenance(
                "nuts changes", chain, [from_, to],
                inputs=[input_file("changes", f) for f in changes or []],
            )  # fmt: skip
            _write_csv(rows, out, record)
            console.print(f"wrote {out}", highlight=False)
