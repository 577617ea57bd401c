"""The open-data edition of the regional eco-system scoreboard.

:func:`build_open_data_edition` reads the framework ``data/open_data_edition.yaml`` (8
dimensions of industrial change + 6 framework dimensions), loads every indicator from the open
source it names in the shared data folder, puts all regions on NUTS 2016 level 2 (reporting
every code dropped or converted), takes per indicator and region the latest value no older
than ``max_age`` years before the edition year (as the RIS does; the year used is kept), and
assembles what the pipeline needs: data, denominators (population), groups (country, for
group imputation), structural variables for default peers (GDP per head, population density,
employment mix by NACE section) and a coverage report. Indicators without data are left out
and dimensions without indicators are reported as NOT COVERED — nothing is invented.

Optional input: the cluster-mapping output (share of employment in strong clusters, columns
``region, year, value``) scores the dimension "Entrepreneurial conditions".

:data:`EOCIC_PILOT` lists the ten pilot regions of the EOCIC scoreboard at NUTS 2016 level 2;
regions that are NUTS 1 or whole countries are entities of several NUTS 2 regions, scored as
population-weighted means (:func:`clusteratlas.scoreboard.results.entity_scores`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file, write_text_atomic
from clusteratlas.paths import shared_data_dir
from clusteratlas.scoreboard import tables
from clusteratlas.scoreboard.coverage import coverage_report
from clusteratlas.scoreboard.edition_file import FRAMEWORK_FILE, edition_framework_dict
from clusteratlas.scoreboard.framework import Framework, framework_from_dict
from clusteratlas.scoreboard.tables import ScoreboardData
from clusteratlas.sources.open_data import nuts_areas, read_indicator
from clusteratlas.transform.nuts_target import NutsContext, to_nuts_version

BALLATORE = "eu_indicators/ballatore_eurostat_nuts0_nuts2_2007_2018.csv.gz"
EMPLOYMENT = "eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"
GEOMETRY = "nuts/NUTS_RG_60M_2016_4326_LEVL_all.geojson.gz"
SECTIONS = ["A", "B-E", "F", "G-I", "J", "K", "L", "M_N", "O-Q", "R-U"]

#: The ten EOCIC pilot regions at NUTS 2016 level 2 (NUTS 1 / country regions as entities).
EOCIC_PILOT: dict[str, list[str]] = {
    "Cantabria": ["ES13"],
    "Centre-Val de Loire": ["FRB0"],
    "East & North Finland": ["FI1D"],
    "Hauts-de-France": ["FRE1", "FRE2"],
    "Lithuania": ["LT01", "LT02"],
    "North Middle Sweden": ["SE31"],
    "Piemonte": ["ITC1"],
    "Saxony": ["DED2", "DED4", "DED5"],
    "Slovenia": ["SI03", "SI04"],
    "Wallonia": ["BE31", "BE32", "BE33", "BE34", "BE35"],
}

CLUSTER_INDICATOR = {
    "code": "strong_cluster_share",
    "name": "Employment in strong clusters",
    "direction": 1,
    "unit": "% of traded employment",
    "source": {"provider": "clusteratlas cluster mapping", "reader": "clusters"},
}


@dataclass
class Edition:
    """Everything the pipeline and the results need, plus the reports."""

    framework: Framework
    data: ScoreboardData
    year: int
    coverage: pd.DataFrame
    indicators: pd.DataFrame  # per indicator: source, reference years, regions
    nuts_report: pd.DataFrame
    structure: pd.DataFrame
    population: pd.Series
    entities: dict[str, list[str]] = field(default_factory=lambda: copy.deepcopy(EOCIC_PILOT))

    def record(self) -> dict[str, Any]:
        """The provenance record of the edition's files (``clusteratlas-provenance/1``).

        Inputs are the snapshot files read, each with its sha256; options the edition year,
        the maximum age of a value and the target NUTS version.
        """
        from clusteratlas.sources.eurostat_api import ATTRIBUTION as EUROSTAT
        from clusteratlas.sources.gisco import ATTRIBUTION as GISCO
        from clusteratlas.store.provenance import build_record

        ed = self.data.inputs.get("edition", {})
        base = Path(str(ed.get("data_dir", ".")))
        inputs = [
            {"role": "snapshot", "path": str(base / name), "sha256": digest}
            for name, digest in ed.get("files", {}).items()
        ]
        if ed.get("clusters"):
            inputs.append({"role": "clusters", **ed["clusters"]})
        used = self.indicators
        datasets = []
        if "dataset" in used.columns:
            names = sorted({str(d) for d in used["dataset"].dropna() if str(d)})
            datasets = [{"source": "eurostat", "dataset": d} for d in names]
        return build_record(
            "scoreboard --edition open-data",
            inputs=inputs,
            options={k: ed.get(k) for k in ("year", "max_age", "nuts_version")},
            datasets=datasets,
            nuts_versions=[str(ed.get("nuts_version", ""))],
            attribution=[EUROSTAT, GISCO],
            edition={"framework": ed.get("framework"), "year": self.year},
        )

    def write(self, folder: str | Path) -> list[Path]:
        """Write framework, data, denominators, groups, structure and reports as files,
        each with its provenance sidecar (``NAME.provenance.json``, see :meth:`record`)."""
        import json

        from clusteratlas.store.provenance import sidecar_path, write_output

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        record = self.record()
        out = {
            "framework.yaml": self.framework.to_yaml(),
            "data.csv": self.data.values,
            "denominators.csv": self.data.denominators,
            "groups.csv": self.data.groups.rename_axis("region").reset_index(),
            "structure.csv": self.structure.rename_axis("region").reset_index(),
            "coverage.csv": self.coverage,
            "indicators.csv": self.indicators,
            "nuts_report.csv": self.nuts_report,
        }
        paths = []
        for name, content in out.items():
            p = folder / name
            if isinstance(content, str):
                write_text_atomic(content, p)
                side = {**record, "output": {"path": str(p), "format": "yaml",
                                             "sha256": sha256_file(p)}}  # fmt: skip
                write_text_atomic(json.dumps(side, indent=2, default=str) + "\n", sidecar_path(p))
            else:
                write_output(content, p, record, float_format="%.10g")
            paths.append(p)
        return paths


def _indicator_nodes(fw: dict[str, Any]):
    for dim in fw["dimensions"]:
        for sub in dim.get("subdimensions", []):
            for ind in sub.get("indicators", []):
                yield dim, sub, ind


def _prune(fw: dict[str, Any], missing: set[str]) -> None:
    for dim in fw["dimensions"]:
        for sub in dim.get("subdimensions", []):
            sub["indicators"] = [i for i in sub.get("indicators", []) if i["code"] not in missing]
        dim["subdimensions"] = [s for s in dim.get("subdimensions", []) if s.get("indicators")]
        if not dim["subdimensions"] and dim.get("covered", True):
            dim["covered"] = False
            dim["note"] = (dim.get("note", "") + " No indicator had data in the snapshots.").strip()
        if not dim["subdimensions"]:
            dim.pop("subdimensions")


def build_open_data_edition(
    data_dir: str | Path | None = None,
    *,
    year: int | None = None,
    max_age: int | None = None,
    clusters: str | Path | pd.DataFrame | None = None,
) -> Edition:
    """Build the open-data edition from the shared data folder (default ``../shared/data``)."""
    base = Path(data_dir) if data_dir is not None else shared_data_dir()
    if base is None or not base.is_dir():
        raise InputError(
            f"shared data folder {str(base) if base else '../shared/data'!r} not found; "
            "pass the folder of the open-data snapshots",
            parameter="data_dir",
        )
    fwd = edition_framework_dict()
    year = int(year if year is not None else fwd["edition_year"])
    max_age = int(max_age if max_age is not None else fwd["max_age"])
    target = str(fwd.get("nuts_version", "2016"))
    cl = _read_clusters(clusters)
    if cl is not None:
        fc1 = next(d for d in fwd["dimensions"] if d["code"] == "FC1")
        fc1.pop("covered", None)
        fc1["note"] = "Scored from the cluster-mapping output given to the edition builder."
        fc1["subdimensions"] = [
            {"code": "FC1.1", "name": "Cluster ecosystem", "indicators": [CLUSTER_INDICATOR]}
        ]

    ctx = NutsContext.load()  # NUTS code lists and change tables: the packaged ones
    rows, reports, info, missing = [], [], [], set()
    for _, _, ind in _indicator_nodes(fwd):
        src = ind["source"]
        try:
            raw = read_indicator(src, base, cl)
        except FileNotFoundError as exc:
            raw = pd.DataFrame(columns=["region", "year", "value"])
            info.append(
                {"indicator": ind["code"], "status": f"source file missing: {Path(str(exc)).name}"}
            )
        versions = (str(src["nuts_version"]),) if "nuts_version" in src else ("2021", "2013")
        label = src.get("dataset", src.get("reader", ""))
        on_target, rep = to_nuts_version(raw, target, versions, label=label, context=ctx)
        reports.append(rep.assign(indicator=ind["code"]))
        picked = latest_within(on_target, year, max_age)
        if picked.empty:
            missing.add(ind["code"])
            info.append(
                {
                    "indicator": ind["code"],
                    "status": f"no NUTS {target} value in {year - max_age}–{year}",
                }
            )
            continue
        counts = picked["year"].value_counts().sort_index(ascending=False)
        info.append(
            {
                "indicator": ind["code"],
                "name": ind["name"],
                "dataset": src.get("dataset", ""),
                "file": src.get("file", "(user input)"),
                "status": "used",
                "regions": len(picked),
                "reference_years": "; ".join(f"{y}: {n}" for y, n in counts.items()),
                "years_available": f"{raw['year'].min()}–{raw['year'].max()}" if len(raw) else "",
            }
        )
        rows.append(picked.assign(indicator=ind["code"], reference_year=picked["year"], year=year))
    _prune(fwd, missing)
    fw = framework_from_dict(fwd, file=f"clusteratlas/scoreboard/data/{FRAMEWORK_FILE}")
    values = pd.concat(rows, ignore_index=True)[
        ["region", "year", "indicator", "value", "reference_year"]
    ]
    population, pop_rep = _population(base, year, max_age, target, ctx)
    structure = _structure(base, year, max_age, target, population, ctx)
    regions = sorted(set(values["region"]))
    groups = pd.Series({r: r[:2] for r in regions}, name="group")
    denominators = pd.DataFrame(
        {
            "region": population.index,
            "year": year,
            "denominator": "population",
            "value": population.to_numpy(),
        }
    )
    inputs = {
        "edition": {
            "framework": FRAMEWORK_FILE,
            "data_dir": str(base),
            "year": year,
            "max_age": max_age,
            "nuts_version": target,
            "files": _file_digests(base, fwd),
            "clusters": _clusters_input(clusters),
        }
    }
    data = ScoreboardData(
        values[["region", "year", "indicator", "value"]], denominators, groups, inputs
    )
    nuts_report = pd.concat([*reports, pop_rep.assign(indicator="population")], ignore_index=True)
    indicators = pd.DataFrame(info)
    cov = coverage_report(fw, data, year)
    cov["reference_years"] = cov["dimension"].map(_reference_years(fw, values))
    return Edition(fw, data, year, cov, indicators, nuts_report, structure, population)


def _reference_years(fw: Framework, values: pd.DataFrame) -> dict[str, str]:
    """Per dimension (and the index) the range of the years the values come from."""
    out = {}
    for node in [fw.root, *fw.root.children]:
        codes = fw.indicators_under(node.code)
        ys = values.loc[values["indicator"].isin(codes), "reference_year"]
        if len(ys):
            lo, hi = int(ys.min()), int(ys.max())
            out[node.code] = f"{lo}–{hi}" if lo != hi else str(lo)
    return out


def _read_clusters(clusters: str | Path | pd.DataFrame | None) -> pd.DataFrame | None:
    if clusters is None:
        return None
    if isinstance(clusters, pd.DataFrame):
        df = clusters
    else:
        df = (
            tables.read_long_table(clusters, "indicator")
            if _has_indicator(clusters)
            else _read_cluster_csv(clusters)
        )
    need = {"region", "year", "value"}
    if not need <= set(df.columns):
        raise InputError(f"cluster input needs columns {sorted(need)}", parameter="clusters")
    return df


def _has_indicator(path: str | Path) -> bool:
    with open(path, encoding="utf-8") as fh:
        return "indicator" in fh.readline().lower()


def _read_cluster_csv(path: str | Path) -> pd.DataFrame:
    p = Path(path)
    tmp = pd.read_csv(p, dtype={"region": str})
    tmp.columns = [c.strip().lower() for c in tmp.columns]
    if not {"region", "year", "value"} <= set(tmp.columns):
        raise InputError("needs columns region, year, value", file=p, line=1)
    tmp["value"] = pd.to_numeric(tmp["value"], errors="coerce")
    return tmp


def _clusters_input(clusters: str | Path | pd.DataFrame | None) -> dict[str, Any] | None:
    """How the cluster input is recorded: a file with its sha256, or a data frame's rows."""
    if clusters is None:
        return None
    if isinstance(clusters, pd.DataFrame):
        return {"kind": "data frame", "rows": len(clusters)}
    return {"path": str(clusters), "sha256": sha256_file(clusters)}


def _file_digests(base: Path, fwd: dict[str, Any]) -> dict[str, str]:
    files = {ind["source"].get("file") for _, _, ind in _indicator_nodes(fwd)} | {
        BALLATORE,
        EMPLOYMENT,
        GEOMETRY,
    }
    return {f: sha256_file(base / f) for f in sorted(x for x in files if x) if (base / f).is_file()}


def _population(
    base: Path, year: int, max_age: int, target: str, ctx: NutsContext
) -> tuple[pd.Series, pd.DataFrame]:
    src = {"reader": "ballatore", "key": "region_population", "file": BALLATORE}
    raw = read_indicator(src, base)
    on, rep = to_nuts_version(raw, target, (), label="tgs00096", context=ctx)
    pop = latest_within(on, year, max_age).set_index("region")["value"]
    return pop.rename("population"), rep


def _structure(
    base: Path, year: int, max_age: int, target: str, population: pd.Series, ctx: NutsContext
) -> pd.DataFrame:
    """Structural variables of default peers: log GDP per head, log density, employment mix."""
    raw = read_indicator({"reader": "ballatore", "key": "region_gdp", "file": BALLATORE}, base)
    gdp = latest_within(to_nuts_version(raw, target, (), context=ctx)[0], year, max_age)
    gdp = gdp.set_index("region")["value"]
    out = pd.DataFrame(index=sorted(set(population.index) | set(gdp.index)))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["log_gdp_per_head"] = np.log(gdp * 1e6 / population)
        geo = base / GEOMETRY
        if geo.is_file():
            out["log_density"] = np.log(population / nuts_areas(geo, 2))
    emp_path = base / EMPLOYMENT
    if emp_path.is_file():
        frames = []
        for sec in [*SECTIONS, "TOTAL"]:
            filters = {"unit": "THS", "age": "Y_GE15", "nace_r2": sec}
            f = read_indicator(
                {"reader": "eurostat_tsv", "file": EMPLOYMENT, "filters": filters}, base
            )
            f = latest_within(to_nuts_version(f, target, ("2013",), context=ctx)[0], year, max_age)
            frames.append(f.set_index("region")["value"].rename(sec))
        emp = pd.concat(frames, axis=1)
        for sec in SECTIONS:
            out[f"share_{sec}"] = emp[sec] / emp["TOTAL"]
    return out.replace([np.inf, -np.inf], np.nan).rename_axis("region")


#: Weights of the structural variables in the peer distance: each block (economic level,
#: density, employment mix) counts once; the ten sector shares share their block's weight.
STRUCTURE_WEIGHTS: dict[str, float] = {"log_gdp_per_head": 1.0, "log_density": 1.0} | {
    f"share_{s}": 0.1 for s in SECTIONS
}


def latest_within(frame: pd.DataFrame, year: int, max_age: int) -> pd.DataFrame:
    """Per region the latest value of a year in ``[year - max_age, year]``, with that year.

    Examples
    --------
    >>> f = pd.DataFrame({"region": ["A", "A", "B"], "year": [2015, 2017, 2010],
    ...                   "value": [1.0, 2.0, 3.0]})
    >>> latest_within(f, 2017, 5).to_dict("records")
    [{'region': 'A', 'year': 2017, 'value': 2.0}]
    """
    f = frame[(frame["year"] <= year) & (frame["year"] >= year - max_age) & frame["value"].notna()]
    f = f.sort_values(["region", "year"]).drop_duplicates("region", keep="last")
    return f.reset_index(drop=True)
