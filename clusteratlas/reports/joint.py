"""Joint challenges of several regions: the bottlenecks (scoreboard) and self-assessment
weaknesses (stress test) they share, each challenge with the regions that share it.

Regions may be *entities* of several regions (``Saxony=DED2+DED4+DED5``; ``eocic-pilot``
names the ten EOCIC pilot regions, :data:`clusteratlas.scoreboard.edition.EOCIC_PILOT`).

Scoreboard part, from what the atlas stores (its build scored every region and kept each
region's 10 structurally most similar peers):

- an entity's score on a node is the mean of its scored members' scores (unweighted: the
  atlas stores no populations; the scoreboard's own ``joint_challenges_for`` weights by
  population when it has them);
- its peers are its members' stored peers, in order, without duplicates or members;
- its flag on each dimension and subdimension is :func:`clusteratlas.scoreboard.results.flag`
  of its score against its peers' scores — the rule the atlas build used for each region's
  strengths and bottlenecks, so a one-region entity gets exactly its stored flags.

Stress-test part: given as data, ``weaknesses`` = region → the theme results of its latest
assessment (``{theme, title, score, light, ...}``, as ``clusteratlas.policy.score_answers``
returns them); a theme is a weakness of a region when its light is ``red``. Amber themes are
shown but not counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from clusteratlas.errors import InputError, NotFoundError
from clusteratlas.reports import specs
from clusteratlas.reports.sources import report_sources
from clusteratlas.reports.svg import to_svg
from clusteratlas.scoreboard.results import FlagRule, flag

MARKS = {"bottleneck": "B", "strength": "S", "": ""}
WEAK = "red"


def entity_flags(
    own: Sequence[Mapping[str, float]],
    peers: Mapping[str, Mapping[str, float]],
    nodes: Sequence[str],
    rule: FlagRule = FlagRule(),
) -> dict[str, str]:
    """``node -> 'B' | 'S' | ''`` of an entity whose members' scores are ``own`` (one
    node → score dict per member) against ``peers`` (region → node → score).

    >>> entity_flags([{"n": 10.0}], {"p1": {"n": 20.0}, "p2": {"n": 30.0}}, ["n"])
    {'n': 'B'}
    >>> entity_flags([{"n": 30.0}, {"n": 40.0}], {"p1": {"n": 20.0}, "p2": {"n": 30.0}}, ["n"])
    {'n': 'S'}
    """
    out = {}
    for node in nodes:
        values = [m[node] for m in own if m.get(node) is not None]
        score = float(np.mean(values)) if values else float("nan")
        peer_scores = np.array(
            [p[node] if p.get(node) is not None else np.nan for p in peers.values()], dtype=float
        )
        out[node] = MARKS[flag(score, peer_scores, rule)[0]]
    return out


def shared_matrix(
    flags: Mapping[str, Mapping[str, str]], nodes: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Rows ``{node, name, level, cells: {entity: mark}, bottlenecks: [entities],
    strengths: [entities]}``, most shared bottlenecks first (then framework order).

    >>> m = shared_matrix({"A": {"x": "B", "y": ""}, "B": {"x": "B", "y": "B"}},
    ...                   [{"node": "y", "name": "Y", "level": "dimension"},
    ...                    {"node": "x", "name": "X", "level": "dimension"}])
    >>> [(r["node"], r["bottlenecks"]) for r in m]
    [('x', ['A', 'B']), ('y', ['B'])]
    """
    rows = []
    for k, n in enumerate(nodes):
        cells = {e: flags[e].get(n["node"], "") for e in flags}
        rows.append(
            {
                **n,
                "order": k,
                "cells": cells,
                "bottlenecks": [e for e, v in cells.items() if v == "B"],
                "strengths": [e for e, v in cells.items() if v == "S"],
            }
        )
    rows.sort(key=lambda r: (-len(r["bottlenecks"]), r["order"]))
    return rows


def weakness_matrix(weaknesses: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[dict]:
    """Rows ``{theme, title, cells: {region: {light, score}}, regions: [regions where the
    theme is red]}``, most shared first; themes in the order first met.

    >>> w = {"R1": [{"theme": "t1", "title": "T1", "score": 20, "light": "red"},
    ...             {"theme": "t2", "title": "T2", "score": 90, "light": "green"}],
    ...      "R2": [{"theme": "t2", "title": "T2", "score": 10, "light": "red"},
    ...             {"theme": "t1", "title": "T1", "score": 30, "light": "red"}]}
    >>> [(r["theme"], r["regions"]) for r in weakness_matrix(w)]
    [('t1', ['R1', 'R2']), ('t2', ['R2'])]
    """
    themes: dict[str, dict[str, Any]] = {}
    for region, items in weaknesses.items():
        for t in items:
            if "theme" not in t or "light" not in t:
                raise InputError(
                    f"theme result of {region!r} lacks 'theme' or 'light'", parameter="weaknesses"
                )
            row = themes.setdefault(
                str(t["theme"]),
                {"theme": str(t["theme"]), "title": t.get("title") or t["theme"], "cells": {}},
            )
            row["cells"][region] = {"light": t["light"], "score": t.get("score")}
    rows = list(themes.values())
    for k, r in enumerate(rows):
        r["order"] = k
        r["regions"] = [g for g in weaknesses if r["cells"].get(g, {}).get("light") == WEAK]
    rows.sort(key=lambda r: (-len(r["regions"]), r["order"]))
    return rows


def pick_weaknesses(
    entities: Mapping[str, Sequence[str]], found: Mapping[str, Sequence[Mapping[str, Any]]]
) -> dict[str, list[dict]]:
    """Stress-test results per report entry from results keyed by region code (as
    ``clusteratlas.appdb.assessments.theme_results_by_region`` returns them): an entry takes
    the assessment saved under its label, else under its first member that has one.

    >>> pick_weaknesses({"Saxony": ["DED2", "DED4"], "ES13": ["ES13"]},
    ...                 {"DED4": [{"theme": "t", "light": "red"}]})
    {'Saxony': [{'theme': 't', 'light': 'red'}]}
    """
    upper = {str(k).upper(): v for k, v in found.items()}
    out = {}
    for label, members in entities.items():
        for key in (label, *members):
            if str(key).upper() in upper:
                out[label] = [dict(t) for t in upper[str(key).upper()]]
                break
    return out


class _Scores:
    """Scoreboard scores of regions read once each from the atlas."""

    def __init__(self, atlas: Any, year: int | None) -> None:
        self.atlas = atlas
        self.year = year
        self.cache: dict[str, dict[str, Any] | None] = {}

    def get(self, code: str) -> dict[str, Any] | None:
        if code not in self.cache:
            try:
                self.cache[code] = self.atlas.scoreboard_region(code, self.year)
            except NotFoundError:
                self.cache[code] = None
        return self.cache[code]

    def values(self, code: str) -> dict[str, float]:
        sb = self.get(code)
        return {r["node"]: r["score"] for r in sb["scores"]} if sb else {}


def _check_codes(atlas: Any, entities: Mapping[str, Sequence[str]]) -> None:
    for label, members in entities.items():
        for m in members:
            try:
                atlas.region(m)
            except NotFoundError:
                where = f" (in {label})" if label != m else ""
                raise NotFoundError(
                    f"unknown region {m!r}{where}: not in this atlas", parameter="codes"
                ) from None


def scoreboard_part(atlas: Any, entities: Mapping[str, Sequence[str]], year: int | None) -> dict:
    """The shared-bottlenecks matrix of ``entities`` on the atlas's scoreboard, or
    ``{"available": False}`` when the atlas has none."""
    if not atlas.info().get("scoreboard"):
        return {"available": False, "note": "this atlas has no scoreboard"}
    board = atlas.scoreboard(year)
    fw = board["framework"]
    levels = sorted({n["level"] for n in fw})
    wanted = {levels[-2]: "dimension"} if len(levels) > 1 else {}
    if len(levels) > 2:
        wanted[levels[-3]] = "subdimension"
    nodes = [
        {"node": n["node"], "name": n["node_name"], "level": wanted[n["level"]]}
        for n in sorted(fw, key=lambda n: (-n["level"], n["node"]))
        if n["level"] in wanted
    ]
    scores = _Scores(atlas, board["year"])
    flags: dict[str, dict[str, str]] = {}
    peers_of: dict[str, list[str]] = {}
    scored_members: dict[str, list[str]] = {}
    left_out: list[str] = []
    for label, members in entities.items():
        have = [m for m in members if scores.get(m) is not None]
        if not have:
            left_out.append(label)
            continue
        peers: list[str] = []
        for m in have:
            for p in scores.get(m).get("peers") or []:
                if p not in peers and p not in members:
                    peers.append(p)
        peer_scores = {p: scores.values(p) for p in peers}
        flags[label] = entity_flags(
            [scores.values(m) for m in have], peer_scores, [n["node"] for n in nodes]
        )
        peers_of[label] = peers
        scored_members[label] = have
    rows = shared_matrix(flags, nodes)
    return {
        "available": True,
        "edition": board["edition"],
        "year": board["year"],
        "system": board["system"],
        "entities": list(flags),
        "members": scored_members,
        "peers": peers_of,
        "left_out": left_out,
        "rows": rows,
        "shared": [r for r in rows if len(r["bottlenecks"]) >= 2],
        "provenance": board.get("provenance") or {},
    }


def clusters_part(atlas: Any, entities: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Key figures of one-region entities and the strong clusters the entities share
    (a cluster counts for an entity when at least one member has it strong)."""
    figures = []
    strong: dict[str, dict[str, Any]] = {}
    labels = []
    provenance: dict[str, Any] = {}
    for label, members in entities.items():
        found = []
        for m in members:
            try:
                found.append(atlas.region_clusters(m))
            except NotFoundError:
                continue
        if not found:
            continue
        labels.append(label)
        provenance = provenance or found[0]["provenance"]
        if len(members) == 1:
            s = atlas.region_summary(members[0])
            figures.append({"label": label, "code": members[0], **s["figures"], "year": s["year"]})
        for table in found:
            for c in table["clusters"]:
                if c.get("strong"):
                    row = strong.setdefault(
                        c["cluster"], {"cluster": c["cluster"], "name": c["cluster_name"], "by": {}}
                    )
                    row["by"].setdefault(label, []).append(table["region"]["code"])
    rows = sorted(strong.values(), key=lambda r: (-len(r["by"]), r["cluster"]))
    return {
        "entities": labels,
        "figures": figures,
        "shared_strong": [r for r in rows if len(r["by"]) >= 2],
        "provenance": provenance,
    }


def _map(atlas: Any, entities: Mapping[str, Sequence[str]], system: str | None) -> str | None:
    codes = [m for ms in entities.values() for m in ms]
    systems = [system] if system else []
    systems.append(atlas.info().get("default_system"))
    for sys_ in [s for s in systems if s]:
        try:
            feats = atlas.geometries(sys_, None)["features"]
        except NotFoundError:
            continue
        levels = {f["properties"]["level"] for f in feats if f["id"] in codes}
        if not levels:
            continue
        level = max(levels)
        feats = [specs.spherical_winding(f) for f in feats if f["properties"]["level"] == level]
        upper = sys_.upper()
        if upper.startswith("US"):
            projection: dict[str, Any] = {
                "type": "albersUsa",
                "scale": 700,
                "translate": [310, 170],
            }
            size = (620, 340)
        else:
            from clusteratlas.reports.maps import EUROPE_FIT

            projection = {"type": "azimuthalEqualArea", "rotate": [-10, -52, 0], "fit": EUROPE_FIT}
            size = (620, 520)
        spec = specs.locator_map(
            feats,
            codes,
            projection=projection,
            title="The regions of this report",
            width=size[0],
            height=size[1],
        )
        return to_svg(spec, "Map of the regions of this report")
    return None


def joint_context(
    atlas: Any,
    entities: Mapping[str, Sequence[str]],
    *,
    weaknesses: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    year: int | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """The joint-challenges report's template context (unknown codes: NotFoundError)."""
    if len(entities) < 2:
        raise InputError("give at least two regions", parameter="codes")
    _check_codes(atlas, entities)
    info = atlas.info()
    board = scoreboard_part(atlas, entities, year)
    clusters = clusters_part(atlas, entities)
    stress = weakness_matrix(weaknesses) if weaknesses else None
    provenance = [p for p in (clusters["provenance"], board.get("provenance")) if p]
    names = ", ".join(entities)
    return {
        "kind": "joint",
        "title": title or f"Joint challenges of {len(entities)} regions",
        "subtitle": f"Joint-challenges report · {names}",
        "info": info,
        "entities": {k: list(v) for k, v in entities.items()},
        "board": board,
        "clusters": clusters,
        "stress": stress,
        "stress_regions": list(weaknesses) if weaknesses else [],
        "map": _map(atlas, entities, board.get("system")),
        "sources": report_sources(info, provenance),
        "provenance": provenance,
    }
