"""The ``eu-open`` preset: Eurostat employment by NACE section and NUTS 2 region, open data.

Steps (``docs/atlas.md``):

1. employment ``lfst_r_lfe2en2`` (EU-LFS, thousand persons, ages 15–64) — offline from
   ``DIR/eu_employment/lfst_r_lfe2en2*.tsv.gz`` with ``--from DIR`` (the 2017 snapshot uses
   NUTS 2013 codes), else online through the Eurostat connector and its download cache;
2. mapped with the NACE-section scheme ``nace-sections`` (``clusteratlas/atlas/data``, the
   same file as ``examples/nace-sections.csv``): LQ against the sum of the regions of the same
   NUTS level (``--total-industry TOTAL`` gives region totals), stars, strong flags, region
   cluster strength and trends; Eurostat flags (``b`` break, ``u`` low reliability ...) are
   kept per cell; EU/euro-area aggregates (``EU28``, ``EA19`` ...) are not regions and are
   left out of the cluster table (named in the provenance record);
3. NUTS names and GISCO polygons of the data's NUTS version, or — when the data folder has no
   GISCO file of that version (NUTS 2013) — of the next later version it has, recorded as
   ``geometry_version``; a code without a polygon there is listed with ``has_geometry`` false;
4. the open-data edition of the regional eco-system scoreboard
   (:func:`clusteratlas.scoreboard.edition.build_open_data_edition`, NUTS 2016 level 2) with
   rank intervals from a Monte Carlo of :data:`UNCERTAINTY_DRAWS` draws and each region's
   default peers, strengths and bottlenecks; the region cluster strength of step 2 scores the
   dimension "Entrepreneurial conditions" where codes match NUTS 2016.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.atlas.presets._inputs import data_root, file_record
from clusteratlas.atlas.steps import Steps
from clusteratlas.errors import InputError
from clusteratlas.store import Store

DATASET = "lfst_r_lfe2en2"
SCHEME = "nace-sections"
SCHEME_FILE = "nace-sections.csv"
WHERE = ["age=Y15-64"]
MEASURES = ["employment=THS*1000"]
TOTAL = "TOTAL"
EDITION = "open-data"
UNCERTAINTY_DRAWS = 200
SCOREBOARD_SYSTEM = "NUTS2016"
LEVEL_NUMBERS = {"indicator": 1, "subdimension": 2, "dimension": 3, "index": 4}
SCALES = ("60M", "20M", "10M", "03M", "01M")  # coarsest first: smallest files for the web
ATTRIBUTION = [
    "Source: Eurostat",
    "© EuroGeographics for the administrative boundaries",
]
SNAPSHOT_VERSION = "NUTS2013"  # the 2017 bulk snapshot (../shared/data/PROVENANCE.md)


def scheme_path() -> Path:
    """The NACE-section scheme file shipped with the package."""
    return Path(str(resources.files("clusteratlas.atlas") / "data" / SCHEME_FILE))


def geometry_file(root: Path, version: str) -> tuple[Path, str] | None:
    """The GISCO NUTS file for ``version`` in ``root/nuts`` (or the next later version).

    Prefers one file with all levels (``LEVL_all``), then the coarsest scale. Returns the
    path and the version it is of, or None when the folder has no NUTS geometry at all.
    """
    folder = root / "nuts"
    found: dict[str, list[tuple[int, int, Path]]] = {}
    for path in sorted(folder.glob("NUTS_RG_*_4326_LEVL_*.geojson*")):
        m = re.match(r"NUTS_RG_(\d\dM)_(\d{4})_4326_LEVL_(all|\d)\.geojson", path.name)
        if not m or m.group(1) not in SCALES:
            continue
        rank = (0 if m.group(3) == "all" else 1, SCALES.index(m.group(1)))
        found.setdefault(m.group(2), []).append((*rank, path))
    later = sorted(v for v in found if v >= version)
    if not later:
        return None
    best = later[0]
    options = sorted(found[best])
    if options[0][0] == 0:
        return options[0][2], best
    return None  # per-level files: handled by geometry_files


def geometry_files(root: Path, version: str) -> tuple[list[Path], str] | None:
    """All files of the chosen version: one ``LEVL_all`` file, or one file per level."""
    one = geometry_file(root, version)
    if one is not None:
        return [one[0]], one[1]
    folder = root / "nuts"
    by_version: dict[str, dict[str, tuple[int, Path]]] = {}
    for path in sorted(folder.glob("NUTS_RG_*_4326_LEVL_*.geojson*")):
        m = re.match(r"NUTS_RG_(\d\dM)_(\d{4})_4326_LEVL_(\d)\.geojson", path.name)
        if not m or m.group(1) not in SCALES:
            continue
        rank = SCALES.index(m.group(1))
        held = by_version.setdefault(m.group(2), {})
        if m.group(3) not in held or rank < held[m.group(3)][0]:
            held[m.group(3)] = (rank, path)
    later = sorted(v for v in by_version if v >= version)
    if not later:
        return None
    files = by_version[later[0]]
    return [files[k][1] for k in sorted(files)], later[0]


def _load_employment(
    store: Store, steps: Steps, root: Path | None, online: bool, nuts_version: str | None
):
    from clusteratlas.sources.ingest import ingest_files

    stated = f"NUTS{nuts_version}" if nuts_version else None
    if not online:
        folder = root / "eu_employment"
        files = sorted(folder.glob(f"{DATASET}*.tsv*")) if folder.is_dir() else []
        if not files:
            raise InputError(
                f"missing input file eu_employment/{DATASET}*.tsv.gz",
                file=root / "eu_employment",
                parameter="--from",
            )
        path = files[-1]
        system = stated or (SNAPSHOT_VERSION if "2017snapshot" in path.name else None)
        steps.run(
            f"loading {path.name}",
            lambda: ingest_files(store, [path], dataset=DATASET, region_system=system),
            lambda r: f"{r[0].summary()['rows']:,} cells, {r[0].summary()['regions']} regions",
        )
        return file_record(path, "employment"), system
    from clusteratlas.sources.cache import Cache
    from clusteratlas.sources.eurostat_api import EurostatAPI
    from clusteratlas.sources.eurostat_load import load_eurostat
    from clusteratlas.sources.http import HttpClient

    # the same override as ``clusteratlas fetch eurostat`` (a mirror or a test server)
    base = os.environ.get("CLUSTERATLAS_EUROSTAT_URL") or "https://ec.europa.eu"
    with HttpClient() as client:
        api = EurostatAPI(base, client=client, cache=Cache())
        data = steps.run(f"fetching {DATASET} from Eurostat (cached)", lambda: api.fetch(DATASET))
    report = steps.run("loading it", lambda: load_eurostat(store, data, region_system=stated))
    record = {"role": "employment", "url": data.url, "sha256": data.sha256}
    return record, report.region_system


def _flags(store: Store) -> pd.DataFrame:
    """Eurostat flags of the employment cells, as ``region, cluster, year, flags``."""
    from clusteratlas.sources.eurostat_load import tidy_from_store

    tidy = tidy_from_store(store, DATASET, {"age": ["Y15-64"]})
    tidy = tidy[tidy["flag"].notna() & (tidy["nace_r2"] != TOTAL)]
    if tidy.empty:
        return pd.DataFrame(columns=["region", "cluster", "year", "flags"])
    out = tidy.groupby(["geo", "nace_r2", "time"])["flag"].agg(
        lambda s: " ".join(sorted(set("".join(s.astype(str)))))
    )
    out = out.reset_index()
    out.columns = ["region", "cluster", "year", "flags"]
    out["year"] = out["year"].astype(int)
    return out


def _geometries(paths: list[Path], system: str, steps: Steps):
    from clusteratlas.atlas.geometry import simplify_features
    from clusteratlas.sources.gisco import read_geojson, regions_from_geojson

    features, regions = [], []
    for path in paths:
        doc = read_geojson(path)
        for f in doc["features"]:
            p = f.get("properties") or {}
            p["code"], p["level"] = p.get("NUTS_ID"), p.get("LEVL_CODE")
        features.extend(doc["features"])
        version = re.search(r"_(\d{4})_", path.name).group(1)
        regions.append(regions_from_geojson(doc, version, source=str(path)))
    geo = steps.run(
        f"{system}: simplifying {len(features)} GISCO polygons",
        lambda: simplify_features(features, system, tolerance=0.02),
        lambda g: f"{len(g)} polygons",
    )
    names = pd.concat(regions, ignore_index=True).drop_duplicates("code")
    return geo, names


def _regions(codes: pd.DataFrame, names: pd.DataFrame, geo: pd.DataFrame, system: str):
    """Regions (``codes``: region, level) with names from ``names`` and has_geometry."""
    from clusteratlas.atlas.geometry import region_rows
    from clusteratlas.classifications.nuts_codes import parent_code

    info = names.set_index("code")
    frame = pd.DataFrame(
        {
            "system": system,
            "code": codes["region"].astype(str),
            "name": codes["region"].map(info["name"]),
            "level": codes["level"].astype(int),
            "parent": [parent_code(c) for c in codes["region"]],
            "country": codes["region"].str[:2],
        }
    )
    return region_rows(frame, geo[geo["system"] == system])


def _scoreboard(
    store: Store,
    steps: Steps,
    root: Path,
    strength: pd.DataFrame,
    draws: int,
    profiles: list[str] | None,
):
    from clusteratlas.scoreboard import api, results
    from clusteratlas.scoreboard.edition import STRUCTURE_WEIGHTS, build_open_data_edition
    from clusteratlas.store.atlas import save_result, save_scoreboard_profiles

    clusters = strength.rename(columns={"cluster_strength": "value"})[["region", "year", "value"]]
    clusters = clusters.dropna()
    clusters["value"] = clusters["value"] * 100.0  # % of traded employment
    ed = steps.run(
        "scoreboard: open-data edition (Eurostat indicators, NUTS 2016)",
        lambda: build_open_data_edition(root, clusters=clusters),
        lambda e: f"{len(e.data.values['region'].unique())} regions, year {e.year}",
    )
    advance = steps.bar(f"scoreboard: {draws} Monte Carlo draws", draws)
    res = steps.run(
        "scoreboard: scores, ranks and rank intervals",
        lambda: api.score(ed.framework, ed.data, year=ed.year, uncertainty=draws, progress=advance),
        lambda r: f"{r.scores['region'].nunique()} regions × {r.scores['node'].nunique()} nodes",
    )
    fw = res.run.framework
    nodes = {n.code: n for n in fw.covered_nodes()}
    scores = res.scores.assign(
        node_name=res.scores["node"].map(lambda c: nodes[c].name if c in nodes else None),
        parent=res.scores["node"].map(lambda c: nodes[c].parent if c in nodes else None),
        level=res.scores["level"].map(LEVEL_NUMBERS),
    )
    table = res.run.aggregated.xs(ed.year, level="year")
    scored = sorted(table.index[table.notna().any(axis=1)])
    wanted = scored if profiles is None else [r for r in scored if r in set(profiles)]
    advance = steps.bar("scoreboard: peers, strengths and bottlenecks", len(wanted))
    out: list[dict[str, Any]] = []
    member_weights = ed.population.to_dict()

    def profile_all() -> int:
        for code in wanted:
            out.append({"year": ed.year, "region": code, "profile": _profile(code)})
            advance(1)
        return len(out)

    def _profile(code: str) -> dict[str, Any]:
        others = [r for r in scored if r != code]
        try:
            peers = results.default_peers(
                ed.structure, [code], 10, others, STRUCTURE_WEIGHTS, member_weights
            )
        except InputError as exc:  # no structural data for this region: say so
            return {"peers": [], "peers_source": str(exc), "strengths": [], "bottlenecks": []}
        flags = results.strengths_bottlenecks(table, fw, code, peers)
        flags = flags[flags["flag"] != ""] if len(flags) else flags
        keep = ["node", "name", "level", "score", "peer_mean", "relative", "flag", "reason"]
        rows = (
            flags[keep].astype(object).where(flags[keep].notna(), None).to_dict("records")
            if len(flags)
            else []
        )
        return {
            "peers": list(peers),
            "peers_source": "the 10 structurally most similar regions",
            "strengths": [r for r in rows if r["flag"] == "strength"],
            "bottlenecks": [r for r in rows if r["flag"] == "bottleneck"],
        }

    steps.run("scoreboard: region profiles", profile_all, lambda n: f"{n} regions")
    save_profiles = pd.DataFrame(out, columns=["year", "region", "profile"])
    provenance = {
        **res.provenance(),
        "edition": EDITION,
        "attribution": ATTRIBUTION,
        "coverage": ed.coverage.astype(object).where(ed.coverage.notna(), None).to_dict("records"),
    }
    with store.transaction() as con:
        rid = save_result(
            con,
            "scoreboard",
            scores,
            scheme=EDITION,
            region_system=SCOREBOARD_SYSTEM,
            provenance=provenance,
        )
        save_scoreboard_profiles(con, EDITION, save_profiles, rid)
    return scores, ed


def build(
    store: Store,
    steps: Steps,
    *,
    from_dir: str | Path | None = None,
    scoreboard: bool = True,
    draws: int = UNCERTAINTY_DRAWS,
    profiles: list[str] | None = None,
    nuts_version: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load, map and score the European open data into ``store``.

    ``scoreboard=False`` skips the scoreboard; ``draws`` sets the Monte Carlo size of the rank
    intervals; ``profiles`` limits the stored peer profiles to these regions (default: every
    scored region). The last two exist to keep test builds short. ``nuts_version`` states
    the NUTS version of the employment codes where it cannot be detected (e.g. ``2013``).
    """
    from clusteratlas.atlas.results import save_mapping
    from clusteratlas.classifications import load_all, load_scheme_into_store
    from clusteratlas.mapping import map_store
    from clusteratlas.sources.ingest import REGION_SYSTEMS
    from clusteratlas.store.atlas import save_regions

    online = from_dir is None
    root = data_root(from_dir)
    if root is not None:
        steps.run("code lists (NACE, NUTS ...)", lambda: load_all(store, shared_dir=root))
    steps.run(
        f"cluster scheme {SCHEME}",
        lambda: load_scheme_into_store(store, scheme_path(), scheme_name=SCHEME),
    )
    if nuts_version is not None and f"NUTS{nuts_version}" not in REGION_SYSTEMS:
        raise InputError(f"unknown NUTS version {nuts_version!r}", parameter="--nuts-version")
    record, system = _load_employment(store, steps, root, online, nuts_version)
    if not system or not system.startswith("NUTS") or not system[4:].isdigit():
        raise InputError(
            f"cannot tell the NUTS version of {DATASET}'s region codes (got {system!r}): "
            "state it with --nuts-version, or give code lists with --from DIR",
            parameter="--nuts-version",
        )
    result = steps.run(
        "mapping NACE sections (LQ, shares, stars, strong)",
        lambda: map_store(
            store,
            SCHEME,
            dataset=DATASET,
            where=WHERE,
            measures=MEASURES,
            total_industry=TOTAL,
            level="nuts",
        ),
        lambda r: f"{len(r):,} cells, {r['region'].nunique()} codes",
    )
    aggregates = sorted(result.loc[result["level"].isna(), "region"].unique())
    attrs = result.attrs
    result = result[result["level"].notna()].copy()
    result.attrs = attrs
    result["level"] = result["level"].astype(int)
    flags = steps.run("Eurostat flags per cell", lambda: _flags(store), lambda f: f"{len(f):,}")
    if root is None:
        from clusteratlas.sources.gisco import nuts_geometries

        version = system[4:]
        paths = [steps.run("GISCO NUTS polygons (cached)", lambda: nuts_geometries(version))]
        geo_version = version
    else:
        chosen = geometry_files(root, system[4:])
        if chosen is None:
            raise InputError(
                f"no GISCO NUTS geometry of version {system[4:]} or later", file=root / "nuts"
            )
        paths, geo_version = chosen
    provenance = {
        **result.attrs.get("provenance", {}),
        "inputs": [record, *(file_record(p, "geometry") for p in paths)],
        "attribution": ATTRIBUTION,
        "aggregates_excluded": aggregates,
        "nuts_version": system[4:],
        "geometry_version": geo_version,
        "dataset": DATASET,
        "source": "eurostat",
        "classification": "NACE_R2 sections (A10)",
    }
    steps.run(
        "saving cluster table, strength and trends",
        lambda: save_mapping(
            store, result, scheme=SCHEME, region_system=system, provenance=provenance, flags=flags
        ),
    )
    geo, names = _geometries(paths, system, steps)
    codes = result.drop_duplicates("region")[["region", "level"]]
    regs = _regions(codes, names, geo, system)
    save_regions(store.con, regs, geo[geo["code"].isin(set(regs["code"]))])
    counts: dict[str, Any] = {
        system: {
            "regions": len(regs),
            "nuts2_regions": int((regs["level"] == 2).sum()),
            "without_geometry": int((~regs["has_geometry"]).sum()),
            "nuts2_without_geometry": int(((regs["level"] == 2) & ~regs["has_geometry"]).sum()),
            "clusters": int(result["cluster"].nunique()),
            "years": sorted(int(y) for y in result["year"].unique()),
            "flagged_cells": len(flags),
        }
    }
    if scoreboard and root is not None and (root / "eu_indicators").is_dir():
        from clusteratlas.store.atlas import strength_frame

        strength = strength_frame(store.con, SCHEME, system)
        sgeo, snames = (
            (geo, names)
            if geo_version == "2016"
            else _geometries(geometry_files(root, "2016")[0], SCOREBOARD_SYSTEM, steps)
        )
        scores, ed = _scoreboard(store, steps, root, strength, draws, profiles)
        scored = pd.DataFrame({"region": sorted(scores["region"].unique())})
        scored["level"] = 2
        sgeo = sgeo.assign(system=SCOREBOARD_SYSTEM)
        sregs = _regions(scored, snames, sgeo, SCOREBOARD_SYSTEM)
        save_regions(store.con, sregs, sgeo[sgeo["code"].isin(set(sregs["code"]))])
        counts[SCOREBOARD_SYSTEM] = {
            "scored_regions": len(sregs),
            "without_geometry": int((~sregs["has_geometry"]).sum()),
            "nodes": int(scores["node"].nunique()),
            "year": ed.year,
        }
    info = {
        "title": "European cluster atlas — Eurostat open data (NACE sections × NUTS 2)",
        "synthetic": False,
        "default_scheme": SCHEME,
        "default_system": system,
        "nuts_version": system[4:],
        "geometry_version": geo_version,
        "sources": [
            {
                "source": "Eurostat",
                "dataset": DATASET,
                "extraction_date": None,
                "region_system": system,
                "classification": "NACE_R2",
                **record,
            }
        ],
        "attribution": ATTRIBUTION,
    }
    return counts, info
