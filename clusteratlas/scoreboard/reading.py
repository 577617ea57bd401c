"""Reading one scored year for people: a region's (or entity's) strengths and bottlenecks
against its peers, and the joint-challenges matrix of several regions.

Regions of interest can be *entities*: ``Saxony=DED2+DED4+DED5`` (a NUTS 1 region scored from
its NUTS 2 parts, population-weighted when populations are known) or just ``DED2+DED4+DED5``.
``eocic-pilot`` names the ten pilot regions of the EOCIC scoreboard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.scoreboard import results as rs
from clusteratlas.scoreboard.framework import Framework


def parse_entity(text: str, parameter: str = "region") -> tuple[str, list[str]]:
    """``'Name=A+B'`` or ``'A+B'`` or ``'A'`` → ``(label, members)``.

    Examples
    --------
    >>> parse_entity("Saxony=DED2+DED4+DED5")
    ('Saxony', ['DED2', 'DED4', 'DED5'])
    >>> parse_entity("ES13")
    ('ES13', ['ES13'])
    """
    label, _, spec = text.partition("=") if "=" in text else (text, "", text)
    members = [m.strip() for m in spec.split("+") if m.strip()]
    if not members or not label.strip():
        raise InputError(
            f"cannot read region {text!r} (use CODE, A+B or Name=A+B)", parameter=parameter
        )
    return label.strip(), members


def parse_entities(text: str, parameter: str = "entities") -> dict[str, list[str]]:
    """``'eocic-pilot'`` or comma-separated :func:`parse_entity` specs → label → members."""
    if text.strip().lower() == "eocic-pilot":
        from clusteratlas.scoreboard.edition import EOCIC_PILOT

        return {k: list(v) for k, v in EOCIC_PILOT.items()}
    out: dict[str, list[str]] = {}
    for part in text.split(","):
        if part.strip():
            label, members = parse_entity(part, parameter)
            if label in out:
                raise InputError(f"{label!r} is listed twice", parameter=parameter)
            out[label] = members
    if len(out) < 2:
        raise InputError("give at least two regions (or eocic-pilot)", parameter=parameter)
    return out


@dataclass
class RegionReading:
    """Strengths/bottlenecks table, top/bottom list and the peers used."""

    label: str
    members: list[str]
    peers: list[str]
    peers_source: str
    flags: pd.DataFrame
    top_bottom: pd.DataFrame


def _peers_for(
    scores: pd.DataFrame,
    members: Sequence[str],
    peers: Sequence[str] | None,
    structure: pd.DataFrame | None,
    weights: Mapping[str, float] | None,
    member_weights: Mapping[str, float] | None,
    k: int,
) -> tuple[list[str], str]:
    if peers:
        if len(peers) > rs.MAX_USER_PEERS:
            raise InputError(f"at most {rs.MAX_USER_PEERS} peers", parameter="peers")
        return list(peers), "chosen by the user"
    if structure is None:
        raise InputError(
            "default peers need structural data: give structure (region + variables) or peers",
            parameter="peers",
        )
    scored = [r for r in scores.index if scores.loc[r].notna().any() and r not in members]
    found = rs.default_peers(structure, list(members), k, scored, weights, member_weights)
    return found, f"the {k} structurally most similar regions"


def read_region(
    scores: pd.DataFrame,
    framework: Framework,
    spec: str,
    *,
    peers: Sequence[str] | None = None,
    structure: pd.DataFrame | None = None,
    weights: Mapping[str, float] | None = None,
    member_weights: Mapping[str, float] | None = None,
    k: int = 10,
    top: int = 5,
    rule: rs.FlagRule = rs.FlagRule(),
) -> RegionReading:
    """Strengths, bottlenecks and top/bottom list of a region or entity (``spec``)."""
    label, members = parse_entity(spec)
    rs._check_regions(scores, members, "region")
    used, source = _peers_for(scores, members, peers, structure, weights, member_weights, k)
    own = rs.entity_scores(scores, members, member_weights)
    flags = rs.strengths_bottlenecks(scores, framework, own, used, rule=rule)
    ranked = pd.concat([scores.drop(index=members), own.rename(label).to_frame().T])
    tb = rs.top_bottom(ranked, framework, label, top)
    return RegionReading(label, members, used, source, flags, tb)


def joint_challenges_for(
    scores: pd.DataFrame,
    framework: Framework,
    entities: Mapping[str, Sequence[str]],
    *,
    structure: pd.DataFrame | None = None,
    weights: Mapping[str, float] | None = None,
    member_weights: Mapping[str, float] | None = None,
    k: int = 10,
    levels: Sequence[str] = ("subdimension", "dimension"),
    rule: rs.FlagRule = rs.FlagRule(),
) -> tuple[pd.DataFrame, dict[str, list[str]], list[str]]:
    """The joint-challenges matrix of ``entities``, each against its own default peers.

    Returns ``(matrix, peers by entity, entities left out)``: an entity none of whose members
    was scored is left out (and named) rather than guessed.
    """
    present = {}
    missing = []
    for label, members in entities.items():
        have = [m for m in members if m in scores.index and scores.loc[m].notna().any()]
        if have:
            present[label] = have
        else:
            missing.append(label)
    peers = {
        label: _peers_for(scores, members, None, structure, weights, member_weights, k)[0]
        for label, members in present.items()
    }
    matrix = rs.joint_challenges(scores, framework, present, peers, levels, rule, member_weights)
    return matrix, peers, missing
