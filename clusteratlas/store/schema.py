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
