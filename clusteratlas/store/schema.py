"""The store's tables. ``docs/data-model.md`` describes them for users.

All facts live in one long table, ``observations``; reference tables describe regions,
industries and cluster schemes; ``provenance`` records every load. Column order here is the
order used by loaders (they build frames with exactly these columns).
"""

from __future__ import annotations

SCHEMA_VERSION = 1

TABLES: dict[str, str] = {
    "meta": """
        CREATE TABLE IF NOT EXISTS meta (
            key VARCHAR PRIMARY KEY,
            value VARCHAR
        )""",
    "provenance": """
        CREATE TABLE IF NOT EXISTS provenance (
            load_id VARCHAR PRIMARY KEY,      -- uuid of one load
            dataset VARCHAR NOT NULL,         -- dataset code, e.g. lfst_r_lfe2en2, or file stem
            source VARCHAR NOT NULL,          -- eurostat | gisco | census | file | demo | ...
            location VARCHAR,                 -- source URL or file path
            retrieved_at TIMESTAMP,           -- when downloaded (NULL for local files)
            ingested_at TIMESTAMP NOT NULL,   -- when they were loaded into this store
            last_update VARCHAR,              -- the source's own last-update stamp, if any
            sha256 VARCHAR,                   -- of the bytes loaded
            licence VARCHAR,
            attribution VARCHAR,              -- e.g. 'Source: Eurostat'
            region_system VARCHAR,            -- e.g. NUTS2016, NUTS2021, US-STATE, user
            classification VARCHAR,           -- e.g. NACE_R2, NAICS2012, user
            rows BIGINT,
            notes VARCHAR
        )""",
    "observations": """
        CREATE TABLE IF NOT EXISTS observations (
            source VARCHAR NOT NULL,
            dataset VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            region_system VARCHAR NOT NULL,   -- NUTS2013/2016/2021/2024, US-STATE, US-MSA, user ...
            industry VARCHAR NOT NULL,        -- '' when the dataset has no industry dimension
            classification VARCHAR NOT NULL,  -- NACE_R2, NAICS2012, ISIC4, user, '' if none
            year INTEGER NOT NULL,
            measure VARCHAR NOT NULL,         -- employment | establishments | payroll | unit code
            dims VARCHAR NOT NULL DEFAULT '', -- other dimensions, canonical 'k=v;k=v' sorted by key
            value DOUBLE,                     -- NULL = missing (Eurostat ':'), never 0
            flag VARCHAR,                     -- source flags, e.g. 'e', 'bep', 'c'; NULL if none
            load_id VARCHAR NOT NULL,         -- -> provenance.load_id
            PRIMARY KEY (dataset, region, industry, year, measure, dims)
        )""",
    "regions": """
        CREATE TABLE IF NOT EXISTS regions (
            system VARCHAR NOT NULL,          -- NUTS, US, user, demo ...
            version VARCHAR NOT NULL,         -- 2016, 2021, 2024 ... ('' if none)
            code VARCHAR NOT NULL,
            level INTEGER,
            parent VARCHAR,
            name VARCHAR,
            country VARCHAR,
            PRIMARY KEY (system, version, code)
        )""",
    "industries": """
        CREATE TABLE IF NOT EXISTS industries (
            classification VARCHAR NOT NULL,  -- NACE_R2, NACE_R21, NAICS2012, ISIC4
            code VARCHAR NOT NULL,
            parent VARCHAR,
            level INTEGER,
            label VARCHAR,
            PRIMARY KEY (classification, code)
        )""",
    "schemes": """
        CREATE TABLE IF NOT EXISTS schemes (
            scheme VARCHAR NOT NULL,          -- e.g. uscmp-naics2012, eu-nace2-traded51
            cluster VARCHAR NOT NULL,         -- cluster code
            cluster_name VARCHAR,
            cluster_type VARCHAR NOT NULL,    -- traded | local | emerging
            industry VARCHAR NOT NULL,        -- member industry code
            classification VARCHAR NOT NULL,  -- classification of the member codes
            weight DOUBLE NOT NULL DEFAULT 1, -- share of the industry that belongs to the cluster
            PRIMARY KEY (scheme, cluster, industry)
        )""",
}

#: Atlas tables: precomputed results the web pages and the JSON API read (never recomputed per
#: request). ``docs/atlas.md`` describes them. Every result row carries ``result_id`` ->
#: ``atlas_results.result_id``, whose ``provenance`` is the JSON record of how it was made.
ATLAS_TABLES: dict[str, str] = {
    "atlas_info": """
        CREATE TABLE IF NOT EXISTS atlas_info (
            key VARCHAR PRIMARY KEY,          -- title, preset, synthetic, built_at, ...
            value VARCHAR                     -- JSON
        )""",
    "atlas_results": """
        CREATE TABLE IF NOT EXISTS atlas_results (
            result_id VARCHAR PRIMARY KEY,    -- uuid of one saved result
            kind VARCHAR NOT NULL,            -- clusters | strength | trends | scoreboard
            scheme VARCHAR,                   -- cluster scheme or scoreboard edition
            region_system VARCHAR,            -- e.g. US-STATE, US-MSA, NUTS2016, demo
            created_at TIMESTAMP NOT NULL,
            provenance VARCHAR NOT NULL       -- JSON provenance record
        )""",
    "atlas_regions": """
        CREATE TABLE IF NOT EXISTS atlas_regions (
            system VARCHAR NOT NULL,          -- region system, as in atlas_clusters
            code VARCHAR NOT NULL,
            name VARCHAR,
            level INTEGER,
            parent VARCHAR,
            country VARCHAR,
            has_geometry BOOLEAN NOT NULL,    -- FALSE: listed, but no polygon in this version
            PRIMARY KEY (system, code)
        )""",
    "atlas_geometries": """
        CREATE TABLE IF NOT EXISTS atlas_geometries (
            system VARCHAR NOT NULL,
            code VARCHAR NOT NULL,
            level INTEGER,
            geometry VARCHAR NOT NULL,        -- GeoJSON geometry, simplified for the web
            PRIMARY KEY (system, code)
        )""",
    "atlas_clusters": """
        CREATE TABLE IF NOT EXISTS atlas_clusters (
            scheme VARCHAR NOT NULL,
            region_system VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            region VARCHAR NOT NULL,
            cluster VARCHAR NOT NULL,
            cluster_name VARCHAR,
            cluster_type VARCHAR,
            level INTEGER,
            employment DOUBLE,
            establishments DOUBLE,
            payroll DOUBLE,
            wage DOUBLE,
            lq DOUBLE,
            region_share DOUBLE,
            benchmark_share DOUBLE,
            stars INTEGER,
            star_size BOOLEAN,
            star_specialisation BOOLEAN,
            star_productivity BOOLEAN,
            strong BOOLEAN,
            strong10 BOOLEAN,
            region_employment DOUBLE,
            benchmark_employment DOUBLE,
            flags VARCHAR,                    -- source flags behind the cell, space-separated
            result_id VARCHAR NOT NULL,
            PRIMARY KEY (scheme, region_system, year, region, cluster)
        )""",
    "atlas_strength": """
        CREATE TABLE IF NOT EXISTS atlas_strength (
            scheme VARCHAR NOT NULL,
            region_system VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            region VARCHAR NOT NULL,
            level INTEGER,
            traded_employment DOUBLE,
            strong_employment DOUBLE,
            cluster_strength DOUBLE,
            n_strong BIGINT,
            n_strong10 BIGINT,
            n_star_clusters BIGINT,
            result_id VARCHAR NOT NULL,
            PRIMARY KEY (scheme, region_system, year, region)
        )""",
    "atlas_trends": """
        CREATE TABLE IF NOT EXISTS atlas_trends (
            scheme VARCHAR NOT NULL,
            region_system VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            cluster VARCHAR NOT NULL,
            start_year INTEGER NOT NULL,
            end_year INTEGER NOT NULL,
            employment_start DOUBLE,
            employment_end DOUBLE,
            employment_change DOUBLE,
            employment_cagr DOUBLE,
            lq_start DOUBLE,
            lq_end DOUBLE,
            lq_change DOUBLE,
            benchmark_share_start DOUBLE,
            benchmark_share_end DOUBLE,
            benchmark_share_change DOUBLE,
            shift_national DOUBLE,
            shift_industry_mix DOUBLE,
            shift_regional DOUBLE,
            expected_change DOUBLE,
            result_id VARCHAR NOT NULL,
            PRIMARY KEY (scheme, region_system, region, cluster, start_year, end_year)
        )""",
    "atlas_scores": """
        CREATE TABLE IF NOT EXISTS atlas_scores (
            edition VARCHAR NOT NULL,         -- scoreboard edition, e.g. open-data
            region_system VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            region VARCHAR NOT NULL,
            node VARCHAR NOT NULL,            -- framework node (index, dimension, indicator)
            node_name VARCHAR,
            parent VARCHAR,
            level INTEGER,                    -- framework level (1 = indicator)
            score DOUBLE,
            rank DOUBLE,
            rank_p05 DOUBLE,                  -- rank interval from the uncertainty analysis
            rank_median DOUBLE,
            rank_p95 DOUBLE,
            result_id VARCHAR NOT NULL,
            PRIMARY KEY (edition, year, region, node)
        )""",
    "atlas_scoreboard_regions": """
        CREATE TABLE IF NOT EXISTS atlas_scoreboard_regions (
            edition VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            region VARCHAR NOT NULL,
            profile VARCHAR NOT NULL,         -- JSON: peers, strengths, bottlenecks
            result_id VARCHAR NOT NULL,
            PRIMARY KEY (edition, year, region)
        )""",
}

OBSERVATION_COLUMNS = [
    "source",
    "dataset",
    "region",
    "region_system",
    "industry",
    "classification",
    "year",
    "measure",
    "dims",
    "value",
    "flag",
    "load_id",
]

SCHEME_COLUMNS = [
    "scheme",
    "cluster",
    "cluster_name",
    "cluster_type",
    "industry",
    "classification",
    "weight",
]

REGION_COLUMNS = ["system", "version", "code", "level", "parent", "name", "country"]
INDUSTRY_COLUMNS = ["classification", "code", "parent", "level", "label"]
