"""Demoland's synthetic economy: employment, establishments and payroll by region, industry, year.

The generator is a small multiplicative model of regional industry structure; every ingredient
is a stylised fact of economic geography:

* **Heavy-tailed region sizes.** Total employment of a level-3 region is lognormal
  (``sigma = 1``), so the largest tenth of regions holds roughly 40% of all jobs; one of the
  largest regions is the capital.
* **Heavy-tailed industry sizes.** Each NACE section keeps a typical share of employment
  (manufacturing, trade and health large; mining and utilities small), split over its classes
  with lognormal weights.
* **Agglomeration.** Traded clusters locate unevenly: a region x cluster affinity
  ``exp(sigma * z)`` with ``z`` a spatially smoothed normal field (neighbours share
  specialisations), plus one to three "home" regions per cluster whose boost spills over to
  their neighbours. Local clusters (retail, health, ...) follow population closely. Knowledge
  services (NACE sections J-M) lean towards large regions.
* **Trends.** Log employment drifts with a cluster growth rate, a region drift, a region x
  cluster drift and persistent AR(1) noise; hospitality and culture drop in 2020 and recover.
* **Establishments** are employment divided by a section-typical unit size (with noise);
  **payroll** is employment x wage, where the wage combines a section premium, a cluster
  premium, a region wage level (higher in large regions) and 2.2% nominal growth a year.
* **Confidentiality.** A cell with fewer than three establishments has its employment and
  payroll suppressed (value missing, flag ``'c'``), as statistical offices do.

Counts are Poisson draws around the model's expectation, so small cells are noisy and may be
zero (absent) in some years. Everything is a deterministic function of the random generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.sources.demo.geography import Geography
from clusteratlas.sources.demo.sectors import (
    PANDEMIC_SECTIONS,
    URBAN_SECTIONS,
    section_profile,
)


@dataclass(frozen=True)
class EconomyConfig:
    """Parameters of the synthetic economy (defaults give a mid-sized European country)."""

    mean_region_employment: float = 150_000.0
    region_size_sigma: float = 1.0
    industry_size_sigma: float = 0.8
    traded_affinity_sigma: float = 1.0
    local_affinity_sigma: float = 0.15
    cell_sigma: float = 0.3
    cluster_growth_mean: float = 0.008
    cluster_growth_sd: float = 0.02
    region_drift_sd: float = 0.008
    region_cluster_drift_sd: float = 0.015
    noise_persistence: float = 0.7
    noise_sd: float = 0.04
    base_wage: float = 30_000.0
    wage_growth: float = 0.022
    min_establishments: int = 3  # cells with fewer are confidential


@dataclass
class Economy:
    """True (unsuppressed) level-3 values: arrays indexed ``[region, industry, year]``."""

    regions: list[str]
    industries: list[str]
    years: list[int]
    employment: np.ndarray
    establishments: np.ndarray
    payroll: np.ndarray


def _neighbour_mean(values: np.ndarray, adjacency: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (rows = regions) over each region's neighbours (itself if none)."""
    n = values.shape[0]
    total = np.zeros_like(values)
    count = np.zeros(n)
    for a, b in adjacency:
        total[a] += values[b]
        total[b] += values[a]
        count[a] += 1
        count[b] += 1
    lonely = count == 0
    total[lonely] = values[lonely]
    count[lonely] = 1
    return total / count[:, None]


def _affinities(
    rng: np.random.Generator,
    geo: Geography,
    sizes: np.ndarray,
    traded: np.ndarray,
    config: EconomyConfig,
) -> np.ndarray:
    """Region x cluster log-affinities: smoothed field + home-region hotspots (traded only)."""
    n_regions, n_clusters = len(sizes), len(traded)
    z = rng.standard_normal((n_regions, n_clusters))
    z = z + 0.8 * _neighbour_mean(z, geo.adjacency)
    z /= z.std(axis=0, keepdims=True) + 1e-12
    sigma = np.where(traded, config.traded_affinity_sigma, config.local_affinity_sigma)
    log_aff = sigma[None, :] * z
    weights = np.sqrt(sizes) / np.sqrt(sizes).sum()
    for c in np.flatnonzero(traded):
        homes = rng.choice(n_regions, size=int(rng.integers(1, 4)), replace=False, p=weights)
        boost = np.zeros(n_regions)
        boost[homes] = rng.uniform(1.0, 2.2, len(homes))
        log_aff[:, c] += boost + 0.5 * _neighbour_mean(boost[:, None], geo.adjacency)[:, 0]
    return log_aff


def simulate_economy(
    rng: np.random.Generator,
    geo: Geography,
    industries: pd.DataFrame,
    years: list[int],
    config: EconomyConfig | None = None,
) -> Economy:
    """Simulate the level-3 panel.

    Parameters
    ----------
    rng:
        Random generator.
    geo:
        The map (its level-3 regions and their adjacency are used).
    industries:
        One row per industry: ``industry`` (NACE class code), ``cluster`` and ``cluster_type``
        (``traded`` or ``local``) of the cluster it mainly belongs to.
    years:
        Consecutive years.
    """
    config = config or EconomyConfig()
    regions = geo.codes[3]
    n_r, n_i, n_t = len(regions), len(industries), len(years)
    codes = industries["industry"].astype(str).tolist()
    cluster_codes, cluster_index = np.unique(industries["cluster"].astype(str), return_inverse=True)
    cluster_traded = np.zeros(len(cluster_codes), dtype=bool)
    cluster_traded[cluster_index[(industries["cluster_type"] == "traded").to_numpy()]] = True
    profiles = [section_profile(c) for c in codes]
    sections = np.array([p[0] for p in profiles])
    unit_size = np.array([p[1] for p in profiles])
    wage_rel = np.array([p[2] for p in profiles])
    section_share = np.array([p[3] for p in profiles])

    # region sizes: lognormal, the capital is the largest
    sigma = config.region_size_sigma
    median = config.mean_region_employment / np.exp(sigma**2 / 2)
    sizes = median * np.exp(sigma * rng.standard_normal(n_r))
    rel_size = sizes / np.median(sizes)

    # initial structure: industry weight x region-cluster affinity x idiosyncratic noise;
    # an industry's weight is its section's share of employment split unevenly over the
    # section's classes
    within = np.exp(config.industry_size_sigma * rng.standard_normal(n_i))
    section_total = pd.Series(within).groupby(sections).transform("sum").to_numpy()
    industry_weight = section_share * within / section_total
    log_aff = _affinities(rng, geo, sizes, cluster_traded, config)
    log_e0 = (
        np.log(industry_weight)[None, :]
        + log_aff[:, cluster_index]
        + config.cell_sigma * rng.standard_normal((n_r, n_i))
    )
    urban = np.isin(sections, list(URBAN_SECTIONS))
    log_e0[:, urban] += 0.35 * np.log(rel_size)[:, None]
    e0 = np.exp(log_e0)
    e0 *= (sizes / e0.sum(axis=1))[:, None]

    # trends: cluster growth + region drift + region-cluster drift + AR(1) noise + 2020 shock
    growth = rng.normal(config.cluster_growth_mean, config.cluster_growth_sd, len(cluster_codes))
    drift = rng.normal(0, config.region_drift_sd, n_r)
    drift[int(np.argmax(sizes))] += 0.008  # the capital grows a little faster
    rc_sd = np.where(cluster_traded, config.region_cluster_drift_sd, 0.005)
    rc_drift = rng.standard_normal((n_r, len(cluster_codes))) * rc_sd[None, :]
    rate = growth[cluster_index][None, :] + drift[:, None] + rc_drift[:, cluster_index]
    pandemic = np.isin(sections, list(PANDEMIC_SECTIONS))
    log_e = np.empty((n_r, n_i, n_t))
    noise = np.zeros((n_r, n_i))
    for t, year in enumerate(years):
        noise = config.noise_persistence * noise + config.noise_sd * rng.standard_normal((n_r, n_i))
        shock = np.where(pandemic, {2020: -0.2, 2021: -0.08}.get(year, 0.0), 0.0)
        log_e[:, :, t] = np.log(e0) + rate * t + noise + shock[None, :]
    # establishments first (a Poisson number of units of section-typical size), then the jobs
    # they hold: a region-industry with less than about one expected unit is mostly empty
    expected = np.exp(log_e)
    unit = unit_size[None, :, None] * np.exp(0.3 * rng.standard_normal((n_r, n_i, 1)))
    establishments = rng.poisson(expected / unit).astype(np.int64)
    employment = rng.poisson(establishments * unit).astype(np.int64)
    employment = np.maximum(employment, establishments)

    # wages: section x cluster premium x region level x nominal growth x noise
    cluster_premium = np.exp(rng.normal(0, 0.08, len(cluster_codes)))[cluster_index]
    region_level = np.exp(rng.normal(0, 0.08, n_r)) * rel_size**0.06
    cell_level = np.exp(rng.normal(0, 0.06, (n_r, n_i)))
    growth_path = (1 + config.wage_growth) ** np.arange(n_t)
    wage = (
        config.base_wage
        * (wage_rel * cluster_premium)[None, :, None]
        * region_level[:, None, None]
        * cell_level[:, :, None]
        * growth_path[None, None, :]
        * np.exp(rng.normal(0, 0.02, (n_r, n_i, n_t)))
    )
    payroll = np.round(employment * wage)
    return Economy(regions, codes, list(years), employment, establishments, payroll)


def aggregate(economy: Economy, geo: Geography, level: int) -> tuple[list[str], list[np.ndarray]]:
    """Sum the level-3 arrays up to ``level`` (0-3); returns codes and (emp, est, payroll)."""
    if level == 3:
        return economy.regions, [economy.employment, economy.establishments, economy.payroll]
    parent = {r.code: r.parent for r in geo.regions.itertuples(index=False)}
    target = []
    for code in economy.regions:
        while len(code) - 2 > level:
            code = parent[code]
        target.append(geo.codes[level].index(code))
    target = np.array(target)
    out = []
    for arr in (economy.employment, economy.establishments, economy.payroll):
        agg = np.zeros((len(geo.codes[level]), *arr.shape[1:]), dtype=arr.dtype)
        np.add.at(agg, target, arr)
        out.append(agg)
    return geo.codes[level], out


def tidy_panel(
    economy: Economy,
    geo: Geography,
    levels: tuple[int, ...] = (0, 1, 2, 3),
    min_establishments: int = 3,
) -> pd.DataFrame:
    """Long panel of non-empty cells at the requested levels, with confidentiality applied.

    Returns columns ``region, level, industry, year, employment, establishments, payroll,
    confidential``; ``employment`` and ``payroll`` are NaN where ``confidential``.
    """
    frames = []
    for level in levels:
        codes, (emp, est, pay) = aggregate(economy, geo, level)
        r, i, t = np.nonzero(emp)
        confidential = est[r, i, t] < min_establishments
        frames.append(
            pd.DataFrame(
                {
                    "region": np.asarray(codes, dtype=object)[r],
                    "level": level,
                    "industry": np.asarray(economy.industries, dtype=object)[i],
                    "year": np.asarray(economy.years)[t],
                    "employment": np.where(confidential, np.nan, emp[r, i, t].astype(float)),
                    "establishments": est[r, i, t].astype(float),
                    "payroll": np.where(confidential, np.nan, pay[r, i, t]),
                    "confidential": confidential,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
