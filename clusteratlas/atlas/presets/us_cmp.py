"""The ``us-cmp`` preset: the U.S. Cluster Mapping Project's 2016 state and MSA tables.

Inputs (``--from DIR`` or the shared data folder, ``docs/atlas.md``):
``us/uscmp_state_clusters_2016.csv.gz``, ``us/uscmp_msa_clusters_2016.csv.gz``,
``us/us_states.topojson`` and ``us/us_counties_eas_msas.topojson`` (object ``msas``).

Only these CMP columns are read: region and cluster codes and names, cluster type, year,
employment (``emp_tl``), reported employment (``emp_reported_tl``, the CMP's wage
denominator), establishments (``est_tl``), annual payroll (``ap_tl``, $000) and
``cluster_emp_per_tf`` — the region's published share of US employment in the cluster, used
*only* to derive the US benchmark total of each cluster (``emp_tl / cluster_emp_per_tf``; all
non-zero rows of a file imply the same total to 1e-6, the largest row's is taken, rounded to a
whole job). The published LQ, ranks, wages and strong flags are never read: our mapping
computes them (LQ within the traded or local universe, ``lq_base="traded"``, as the CMP does).

Codes stay as in the CMP files: state FIPS (``01``), CBSA codes (``10180``), clusters
``1``…``51`` (traded) and ``101``…``116`` (local). Region systems ``US-STATE`` (level 1) and
``US-MSA`` (level 2; metropolitan and micropolitan areas, not nested in states).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.atlas.presets._inputs import data_file, data_root, file_record
from clusteratlas.atlas.steps import Steps
from clusteratlas.errors import InputError
from clusteratlas.store import Store

SCHEME = "uscmp-2016"
FILES = {
    "US-STATE": "us/uscmp_state_clusters_2016.csv.gz",
    "US-MSA": "us/uscmp_msa_clusters_2016.csv.gz",
}
GEOMETRIES = {
    "US-STATE": ("us/us_states.topojson", "states"),
    "US-MSA": ("us/us_counties_eas_msas.topojson", "msas"),
}
LEVELS = {"US-STATE": 1, "US-MSA": 2}
#: The only CMP columns read (published LQ, ranks, wages and flags are not among them).
COLUMNS = [
    "region_code_t",
    "region_name_t",
    "cluster_code_t",
    "cluster_name_t",
    "cluster_type",
    "year_t",
    "emp_tl",
    "emp_reported_tl",
    "est_tl",
    "ap_tl",
    "cluster_emp_per_tf",
]
ATTRIBUTION = (
    "Source: U.S. Cluster Mapping Project (Harvard Business School ISC), from U.S. Census "
    "Bureau County Business Patterns; boundaries: U.S. Census Bureau"
)


def read_cmp(path: Path) -> pd.DataFrame:
    """The CMP cluster table's input columns (:data:`COLUMNS`), codes as text."""
    try:
        d = pd.read_csv(path, usecols=COLUMNS, dtype={"region_code_t": str, "cluster_code_t": str})
    except ValueError as exc:
        raise InputError(f"not a CMP cluster table ({exc})", file=path) from exc
    d["region_name_t"] = d["region_name_t"].astype(str).str.strip()
    return d


def cmp_panel(d: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Panel (one 'industry' per cluster) and identity definitions from a CMP table."""
    panel = pd.DataFrame(
        {
            "region": d.region_code_t,
            "industry": d.cluster_code_t,
            "year": d.year_t.astype(int),
            "employment": d.emp_tl.astype(float),
            "establishments": d.est_tl.astype(float),
            "payroll": d.ap_tl.astype(float) * 1000.0,
            "employment_reported": d.emp_reported_tl.astype(float),
        }
    )
    first = d.drop_duplicates("cluster_code_t")
    defs = pd.DataFrame(
        {
            "industry": first.cluster_code_t,
            "cluster": first.cluster_code_t,
            "cluster_name": first.cluster_name_t,
            "cluster_type": first.cluster_type.str.lower(),
        }
    )
    return panel, defs


def us_benchmark(d: pd.DataFrame, file: Path) -> pd.DataFrame:
    """US employment per cluster and year implied by the published ``cluster_emp_per_tf``.

    ``US_c = emp_rc / share_rc`` for any row with a positive share; the rows must agree (max
    relative spread 1e-6, else InputError) and the largest row's value, rounded to a whole job,
    is taken (it carries the most significant digits).
    """
    nz = d[(d.cluster_emp_per_tf > 0) & (d.emp_tl > 0)]
    nz = nz.assign(us=nz.emp_tl / nz.cluster_emp_per_tf)
    spread = nz.groupby(["cluster_code_t", "year_t"]).us.agg(
        lambda s: (s.max() - s.min()) / s.median()
    )
    if len(spread) and spread.max() > 1e-6:
        bad = spread.idxmax()
        raise InputError(
            f"US totals implied by cluster_emp_per_tf disagree for cluster {bad[0]}",
            file=file,
            column="cluster_emp_per_tf",
        )
    largest = nz.sort_values("emp_tl").groupby(["cluster_code_t", "year_t"]).tail(1)
    return pd.DataFrame(
        {
            "cluster": largest.cluster_code_t,
            "year": largest.year_t.astype(int),
            "employment": largest.us.round(),
        }
    ).reset_index(drop=True)


def build(
    store: Store, steps: Steps, *, from_dir: str | Path | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Map the CMP state and MSA tables and save them with US geometries into ``store``."""
    from clusteratlas.atlas.geometry import region_rows, simplify_features, topojson_features
    from clusteratlas.atlas.results import save_mapping
    from clusteratlas.mapping import map_panel
    from clusteratlas.store.atlas import save_regions

    root = data_root(from_dir)
    counts: dict[str, Any] = {}
    sources = []
    for system, relative in FILES.items():
        path = data_file(root, relative)
        geo_rel, geo_object = GEOMETRIES[system]
        geo_path = data_file(root, geo_rel)
        d = steps.run(
            f"{system}: reading {relative}",
            lambda path=path: read_cmp(path),
            lambda d: (
                f"{d.region_code_t.nunique()} regions × {d.cluster_code_t.nunique()} clusters"
            ),
        )
        panel, defs = cmp_panel(d)
        bench = us_benchmark(d, path)
        result = steps.run(
            f"{system}: mapping clusters (LQ, shares, wages, stars, strong)",
            lambda panel=panel, defs=defs, bench=bench: map_panel(
                panel, defs, lq_base="traded", benchmark=bench, level="none"
            ),
            lambda r: f"{len(r):,} cells, {int(r['strong'].sum())} strong",
        )
        result["level"] = LEVELS[system]
        record = file_record(path, "panel", columns=COLUMNS)
        provenance = {
            **result.attrs.get("provenance", {}),
            "inputs": [record, file_record(geo_path, "geometry", object=geo_object)],
            "benchmark": "US totals per cluster = emp_tl / cluster_emp_per_tf (published share)",
            "lq_base": "traded",
            "attribution": [ATTRIBUTION],
            "source": "uscmp",
            "dataset": Path(relative).name,
            "classification": "USCMP clusters (NAICS 2012)",
        }
        steps.run(
            f"{system}: saving cluster table, strength and trends",
            lambda result=result, provenance=provenance, system=system: save_mapping(
                store, result, scheme=SCHEME, region_system=system, provenance=provenance
            ),
        )
        topology = json.loads(geo_path.read_text(encoding="utf-8"))
        geo = steps.run(
            f"{system}: simplifying polygons",
            lambda topology=topology, geo_object=geo_object, system=system: simplify_features(
                topojson_features(topology, geo_object), system, tolerance=0.01, level_key=None
            ),
            lambda g: f"{len(g)} polygons",
        )
        geo["level"] = LEVELS[system]
        names = d.drop_duplicates("region_code_t").set_index("region_code_t")["region_name_t"]
        regs = pd.DataFrame(
            {
                "system": system,
                "code": names.index,
                "name": names.to_numpy(),
                "level": LEVELS[system],
                "parent": None,
                "country": "US",
            }
        )
        geo = geo[geo["code"].isin(set(regs["code"]))]  # polygons of regions in the tables
        regs = region_rows(regs, geo)
        save_regions(store.con, regs, geo)
        counts[system] = {
            "regions": len(regs),
            "without_geometry": int((~regs["has_geometry"]).sum()),
            "clusters": int(result["cluster"].nunique()),
            "years": sorted(int(y) for y in result["year"].unique()),
            "strong": int(result["strong"].sum()),
        }
        sources.append(
            {
                "source": "U.S. Cluster Mapping Project",
                "dataset": Path(relative).name,
                "extraction_date": "2018-10-01",
                "region_system": system,
                "classification": "USCMP clusters (NAICS 2012)",
                "sha256": record["sha256"],
            }
        )
    info = {
        "title": "U.S. cluster atlas 2016 (U.S. Cluster Mapping Project data)",
        "synthetic": False,
        "default_scheme": SCHEME,
        "default_system": "US-STATE",
        "sources": sources,
        "attribution": [ATTRIBUTION],
    }
    return counts, info
