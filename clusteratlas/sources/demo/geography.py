"""Demoland's map: a fictional island cut into a NUTS-like hierarchy of regions.

The island is a raster of square cells. Level-1 regions partition the island, each level-2
region partitions its level-1 parent, and each level-3 region partitions its level-2 parent, so
the hierarchy nests exactly by construction: a parent's cells are the union of its children's.
Each partition is a *geodesic Voronoi* diagram: cells go to the nearest seed measured along the
cell graph with smoothly varying edge costs (which bends boundaries like rivers and ridges do),
and seeds are re-centred a few times (Lloyd's relaxation) so that regions are compact. Because
every cell is reached from its seed through cells of the same region, regions are contiguous.

Outlines are traced from the raster (:mod:`.outline`), so a level-2 polygon is exactly the
union of its level-3 children's polygons. Coordinates are placed in the open North Atlantic
(around 31°W, 47°N), where no real land is, so the map never overlays a real country.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import ndimage, sparse
from scipy.sparse.csgraph import dijkstra

from clusteratlas.sources.demo.names import fictional_names

COUNTRY_CODE = "XD"  # ISO 3166 user-assigned range; used by neither ISO, NUTS nor GISCO
COUNTRY_NAME = "Demoland (synthetic)"
CHILD_CHARS = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # NUTS numbering: digits, then letters
CELL_DEGREES = 0.05  # latitude span of one raster cell (~5.6 km)
ORIGIN_LON, ORIGIN_LAT = -34.0, 45.0  # south-west corner of the raster (open ocean)


@dataclass
class Geography:
    """The regions of Demoland and the raster they were cut from.

    Attributes
    ----------
    regions:
        One row per region of levels 0-3, columns ``code, level, parent, name, country``
        (level 0 is the country ``XD``), in hierarchical order.
    labels:
        ``{level: int array (rows x cols)}``: index into ``codes[level]`` per cell, -1 = sea.
    codes:
        ``{level: [region codes]}`` in index order.
    adjacency:
        Pairs ``(i, j)`` (``i < j``) of level-3 region indices that share a border.
    """

    regions: pd.DataFrame
    labels: dict[int, np.ndarray]
    codes: dict[int, list[str]]
    adjacency: np.ndarray
    cell_degrees: float = CELL_DEGREES
    origin: tuple[float, float] = (ORIGIN_LON, ORIGIN_LAT)
    centroids: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.labels[3].shape

    def level(self, level: int) -> pd.DataFrame:
        """The regions of one level."""
        return self.regions[self.regions["level"] == level].reset_index(drop=True)

    def to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raster corner coordinates (x right, y up) to longitude/latitude degrees."""
        lat = self.origin[1] + y * self.cell_degrees
        mid_lat = self.origin[1] + self.shape[0] * self.cell_degrees / 2
        lon = self.origin[0] + x * self.cell_degrees / math.cos(math.radians(mid_lat))
        return lon, lat


# -- raster ---------------------------------------------------------------------------------
def _smooth_field(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """A smooth random field with zero mean and unit standard deviation."""
    f = ndimage.gaussian_filter(rng.standard_normal(shape), sigma=sigma, mode="wrap")
    return (f - f.mean()) / (f.std() or 1.0)


def island_mask(rng: np.random.Generator, n_cells: int) -> np.ndarray:
    """A contiguous, hole-free island of roughly ``n_cells`` cells with a wobbly coast."""
    side = math.ceil(math.sqrt(n_cells / 0.55)) + 4
    yy, xx = np.mgrid[0:side, 0:side].astype(float)
    cy = cx = (side - 1) / 2
    theta = np.arctan2(yy - cy, xx - cx)
    radius = np.full_like(theta, 1.0)
    for k in range(2, 6):  # low harmonics: peninsulas and bays
        radius += rng.uniform(0.0, 0.16 / (k - 1)) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    dist = np.hypot(yy - cy, xx - cx)
    coast = 0.06 * side * _smooth_field(rng, (side, side), sigma=side / 20)
    base = math.sqrt(n_cells / math.pi)
    # scale so that the island holds about n_cells cells
    scores = dist - coast
    for _ in range(30):
        mask = scores < base * radius
        ratio = n_cells / max(int(mask.sum()), 1)
        if abs(ratio - 1) < 0.01:
            break
        base *= math.sqrt(ratio)
    labels, n = ndimage.label(mask)
    if n > 1:
        sizes = ndimage.sum(mask, labels, index=range(1, n + 1))
        mask = labels == (1 + int(np.argmax(sizes)))
    return ndimage.binary_fill_holes(mask)


def _cell_graph(mask: np.ndarray, cost: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Sparse graph over land cells (4-neighbourhood) with symmetric edge costs."""
    index = np.full(mask.shape, -1, dtype=np.int64)
    cells = np.flatnonzero(mask)
    index.flat[cells] = np.arange(len(cells))
    rows, cols, costs = [], [], []
    for dy, dx in ((0, 1), (1, 0)):
        a = index[: mask.shape[0] - dy, : mask.shape[1] - dx]
        b = index[dy:, dx:]
        ca = cost[: mask.shape[0] - dy, : mask.shape[1] - dx]
        cb = cost[dy:, dx:]
        ok = (a >= 0) & (b >= 0)
        w = (ca[ok] + cb[ok]) / 2
        rows += [a[ok], b[ok]]
        cols += [b[ok], a[ok]]
        costs += [w, w]
    n = len(cells)
    graph = sparse.csr_matrix(
        (np.concatenate(costs), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )
    return graph, index


def _partition(
    rng: np.random.Generator, graph: sparse.csr_matrix, xy: np.ndarray, k: int, rounds: int = 4
) -> np.ndarray:
    """Cut a connected set of cells into ``k`` contiguous, compact parts (geodesic k-medoids)."""
    n = graph.shape[0]
    if k <= 1:
        return np.zeros(n, dtype=np.int64)
    k = min(k, n)
    # spread the first seeds out: farthest-point sampling with a random start
    seeds = [int(rng.integers(n))]
    nearest = np.hypot(*(xy - xy[seeds[0]]).T)
    for _ in range(k - 1):
        jitter = rng.uniform(0.8, 1.0, n)
        seeds.append(int(np.argmax(nearest * jitter)))
        nearest = np.minimum(nearest, np.hypot(*(xy - xy[seeds[-1]]).T))
    labels = np.zeros(n, dtype=np.int64)
    for r in range(rounds + 1):
        _, _, sources = dijkstra(graph, indices=seeds, min_only=True, return_predecessors=True)
        lookup = {s: i for i, s in enumerate(seeds)}
        labels = np.array([lookup[s] for s in sources], dtype=np.int64)
        if r == rounds:
            break
        new_seeds = []
        for i in range(k):
            members = np.flatnonzero(labels == i)
            centre = xy[members].mean(axis=0)
            new_seeds.append(int(members[np.argmin(np.hypot(*(xy[members] - centre).T))]))
        if new_seeds == seeds:
            break
        seeds = new_seeds
    return labels


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` children among parents in proportion to ``weights`` (at least 1 each)."""
    weights = np.asarray(weights, dtype=float)
    share = weights / weights.sum() * total
    counts = np.maximum(1, np.floor(share).astype(int))
    while counts.sum() < total:
        counts[int(np.argmax(share - counts))] += 1
    while counts.sum() > total:
        candidates = np.where(counts > 1, counts - share, -np.inf)
        counts[int(np.argmax(candidates))] -= 1
    return counts


def build_geography(
    rng: np.random.Generator,
    n_level1: int = 4,
    n_level2: int = 20,
    n_level3: int = 80,
    cells_per_region: int = 60,
) -> Geography:
    """Draw Demoland: an island partitioned into nested level-1, level-2 and level-3 regions.

    Parameters
    ----------
    rng:
        The random generator (the whole map is a function of its state).
    n_level1, n_level2, n_level3:
        Number of regions per level (``n_level1 <= n_level2 <= n_level3``).
    cells_per_region:
        Raster cells per level-3 region (resolution of the outlines).
    """
    if not 1 <= n_level1 <= n_level2 <= n_level3:
        raise ValueError("need 1 <= n_level1 <= n_level2 <= n_level3")
    mask = island_mask(rng, n_level3 * cells_per_region)
    cost = np.exp(0.6 * _smooth_field(rng, mask.shape, sigma=mask.shape[0] / 15))
    cost *= rng.uniform(0.9, 1.1, mask.shape)
    graph, _ = _cell_graph(mask, cost)
    land = np.flatnonzero(mask)
    rows, cols = np.divmod(land, mask.shape[1])
    xy = np.column_stack([cols + 0.5, mask.shape[0] - rows - 0.5])  # x right, y up

    # top-down partition: every child part lies inside its parent by construction
    part = {0: np.zeros(len(land), dtype=np.int64)}
    parent_of: dict[int, np.ndarray] = {}
    counts = {1: np.array([n_level1]), 2: None, 3: None}
    for level, n_children in ((1, n_level1), (2, n_level2), (3, n_level3)):
        parents = part[level - 1]
        n_parents = int(parents.max()) + 1
        if level > 1:
            counts[level] = _allocate(n_children, np.bincount(parents, minlength=n_parents))
        labels = np.empty(len(land), dtype=np.int64)
        owner: list[int] = []
        for p in range(n_parents):
            members = np.flatnonzero(parents == p)
            sub = graph[members][:, members]
            local = _partition(rng, sub, xy[members], int(counts[level][p]))
            # number children north-west to south-east, as NUTS codes loosely are
            order = sorted(
                range(int(local.max()) + 1),
                key=lambda i, m=members, lo=local: (
                    -round(xy[m[lo == i], 1].mean() / 8),
                    xy[m[lo == i], 0].mean(),
                ),
            )
            for rank, i in enumerate(order):
                labels[members[local == i]] = len(owner) + rank
            owner += [p] * len(order)
        part[level] = labels
        parent_of[level] = np.array(owner)

    codes: dict[int, list[str]] = {0: [COUNTRY_CODE]}
    for level in (1, 2, 3):
        level_codes: list[str] = []
        seen: dict[int, int] = {}
        for p in parent_of[level]:
            seen[p] = seen.get(p, 0) + 1
            level_codes.append(codes[level - 1][p] + CHILD_CHARS[seen[p] - 1])
        codes[level] = level_codes
    names = {level: fictional_names(rng, len(codes[level]), level) for level in (1, 2, 3)}

    records = [(COUNTRY_CODE, 0, None, COUNTRY_NAME, COUNTRY_CODE)]
    for level in (1, 2, 3):
        for i, code in enumerate(codes[level]):
            parent = codes[level - 1][parent_of[level][i]]
            records.append((code, level, parent, names[level][i], COUNTRY_CODE))
    regions = pd.DataFrame(records, columns=["code", "level", "parent", "name", "country"])
    # depth-first order: XD, XD1, XD11, XD111, XD112, ... (like the NUTS code lists)
    regions = regions.sort_values("code", kind="stable").reset_index(drop=True)

    label_grids: dict[int, np.ndarray] = {}
    centroids: dict[int, np.ndarray] = {}
    for level in (0, 1, 2, 3):
        grid = np.full(mask.shape, -1, dtype=np.int64)
        grid.flat[land] = part[level]
        label_grids[level] = grid
        n = len(codes[level])
        count = np.bincount(part[level], minlength=n)
        centroids[level] = np.column_stack(
            [np.bincount(part[level], weights=xy[:, d], minlength=n) / count for d in (0, 1)]
        )
    return Geography(
        regions=regions,
        labels=label_grids,
        codes=codes,
        adjacency=_adjacency(label_grids[3]),
        centroids=centroids,
    )


def _adjacency(grid: np.ndarray) -> np.ndarray:
    """Pairs of region indices that touch along a cell edge."""
    pairs = []
    for a, b in ((grid[:, :-1], grid[:, 1:]), (grid[:-1, :], grid[1:, :])):
        ok = (a >= 0) & (b >= 0) & (a != b)
        pairs.append(np.column_stack([np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])]))
    both = np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=np.int64)
    return np.unique(both, axis=0)
