"""SDMX data messages (SDMX-CSV and SDMX-ML 2.1) as the tidy Eurostat table.

Eurostat's SDMX 2.1 API serves a dataset as SDMX-CSV (``format=SDMX-CSV``), compressed
SDMX-TSV (``format=TSV``, read by :mod:`clusteratlas.sources.eurostat_tsv`) or SDMX-ML
(the default; ``Accept: application/vnd.sdmx.structurespecificdata+xml;version=2.1`` for the
structure-specific flavour). See https://ec.europa.eu/eurostat/web/user-guides/data-browser/
api-data-access/api-detailed-guidelines/sdmx2-1 and the SDMX 2.1 standard, section 3A (SDMX-ML)
and the SDMX-CSV 1.0 / 2.0 specifications (https://github.com/sdmx-twg/sdmx-csv).

Every reader returns the tidy Eurostat table: one lowercase column per dimension (other than
time), ``time``, ``value`` (float64, NaN = missing, never 0) and ``flag`` (Eurostat's
``OBS_FLAG``; ``c`` is added when ``CONF_STATUS`` says confidential). ``attrs`` carries the
message's ``last_update`` / ``prepared`` stamps when present.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from clusteratlas.errors import InputError
from clusteratlas.sources.files import read_source_bytes

Source = str | Path | bytes | IO[bytes]

#: SDMX-CSV columns that are not dimensions (SDMX-CSV 1.0 as served by Eurostat, and 2.0).
CSV_META = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "LAST UPDATE"}
#: Observation-level attributes and measures (never dimensions).
OBS_FIELDS = {"TIME_PERIOD", "OBS_VALUE", "OBS_FLAG", "OBS_STATUS", "CONF_STATUS", "OBS_CONF"}
#: Series-level attributes that Eurostat or the standard may put on a Series element.
SERIES_ATTRIBUTES = {"TITLE", "UNIT_MULT", "DECIMALS", "TIME_FORMAT", "COMMENT", "FOOTNOTE"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _tidy(records: dict[str, list[Any]], dims: list[str], label: str) -> pd.DataFrame:
    """Assemble the tidy frame from column lists (values as text, '' = missing)."""
    frame = pd.DataFrame({d.lower(): pd.Categorical(records[d]) for d in dims})
    frame["time"] = pd.Series(records["TIME_PERIOD"], dtype=object)
    frame["value"] = _to_float(records["OBS_VALUE"], label)
    frame["flag"] = pd.Series(
        [f if f else None for f in _merge_conf(records["OBS_FLAG"], records["CONF_STATUS"])],
        dtype=object,
    )
    return frame


def _merge_conf(flags: list[str | None], conf: list[str | None]) -> list[str | None]:
    out = []
    for f, c in zip(flags, conf, strict=True):
        f = (f or "").strip()
        if (c or "").strip().upper() == "C" and "c" not in f:
            f += "c"
        out.append(f or None)
    return out


def _to_float(texts: Iterable[str | None], label: str) -> np.ndarray:
    arr = pa.array([t.strip() if t and t.strip() not in ("", "NaN", ":") else None for t in texts],
                   pa.string())  # fmt: skip
    try:
        return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid as exc:
        raise InputError(f"OBS_VALUE that is not a number ({exc})", file=label,
                         column="OBS_VALUE") from None  # fmt: skip


# -- SDMX-CSV -------------------------------------------------------------------------------
def read_sdmx_csv(source: Source, *, name: str | None = None) -> pd.DataFrame:
    """Read SDMX-CSV (1.0 as Eurostat serves it, or 2.0; plain or gzip) into the tidy table.

    Examples
    --------
    >>> text = (b"DATAFLOW,LAST UPDATE,freq,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\\n"
    ...         b"ESTAT:X(1.0),01/02/24 23:00:00,A,THS,AT1,2015,5.2,u\\n"
    ...         b"ESTAT:X(1.0),01/02/24 23:00:00,A,THS,AT1,2014,,c\\n")
    >>> df = read_sdmx_csv(text)
    >>> df.to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'freq': ['A', 'A'], 'unit': ['THS', 'THS'], 'geo': ['AT1', 'AT1'],
     'time': ['2015', '2014'], 'value': [5.2, nan], 'flag': ['u', 'c']}
    >>> df.attrs["last_update"]
    '01/02/24 23:00:00'
    """
    raw, label = read_source_bytes(source, name)
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(raw[: raw.find(b"\n") + 1 or None].decode("utf-8"))), [])
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(
                strings_can_be_null=False, column_types=dict.fromkeys(header, pa.string())
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable SDMX-CSV file ({exc})", file=label) from None
    names = table.column_names
    for required in ("TIME_PERIOD", "OBS_VALUE"):
        if required not in names:
            raise InputError(f"SDMX-CSV without a {required} column", file=label, line=1,
                             column=required)  # fmt: skip
    dims = [n for n in names if n not in CSV_META and n not in OBS_FIELDS]
    if not dims:
        raise InputError("SDMX-CSV without dimension columns", file=label, line=1)
    frame = pd.DataFrame({d.lower(): _arrow_categorical(table.column(d)) for d in dims})
    frame["time"] = pd.Series(table.column("TIME_PERIOD").to_numpy(zero_copy_only=False),
                              dtype=object)  # fmt: skip
    frame["value"] = _arrow_float(table.column("OBS_VALUE"), label)
    frame["flag"] = _arrow_flags(
        table.column("OBS_FLAG") if "OBS_FLAG" in names else None,
        table.column("CONF_STATUS") if "CONF_STATUS" in names else None,
        table.num_rows,
    )
    stamps = []
    if "LAST UPDATE" in names:
        stamps = [v for v in pc.unique(table.column("LAST UPDATE")).to_pylist() if v]
    frame.attrs.update(
        format="sdmx-csv",
        dimensions=[d.lower() for d in dims],
        last_update=max(stamps) if stamps else None,
        file=label,
    )
    return frame


def _arrow_categorical(col: pa.ChunkedArray) -> pd.Categorical:
    enc = pc.utf8_trim_whitespace(col.combine_chunks()).dictionary_encode()
    return pd.Categorical.from_codes(
        enc.indices.to_numpy(zero_copy_only=False), categories=enc.dictionary.to_pylist()
    )


def _arrow_float(col: pa.ChunkedArray, label: str) -> np.ndarray:
    text = pc.utf8_trim_whitespace(col.combine_chunks())
    missing = pc.or_(pc.equal(text, ""), pc.is_in(text, pa.array(["NaN", ":"])))
    try:
        return pc.cast(pc.if_else(missing, None, text), pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid as exc:
        raise InputError(f"OBS_VALUE that is not a number ({exc})", file=label,
                         column="OBS_VALUE") from None  # fmt: skip


def _arrow_flags(flag: pa.ChunkedArray | None, conf: pa.ChunkedArray | None, n: int) -> pd.Series:
    if flag is None:
        f = pa.array([""] * n, pa.string())
    else:
        f = pc.utf8_trim_whitespace(flag.combine_chunks())
    if conf is not None:
        confidential = pc.equal(pc.utf8_upper(pc.utf8_trim_whitespace(conf.combine_chunks())), "C")
        needs = pc.and_(confidential, pc.invert(pc.match_substring(f, "c")))
        f = pc.if_else(needs, pc.binary_join_element_wise(f, "c", ""), f)
    enc = f.dictionary_encode()
    lookup = np.array([v if v else None for v in enc.dictionary.to_pylist()], dtype=object)
    return pd.Series(lookup[enc.indices.to_numpy(zero_copy_only=False)], dtype=object)


# -- SDMX-ML data -----------------------------------------------------------------------------
def read_sdmx_ml(
    source: Source, *, name: str | None = None, dimensions: list[str] | None = None
) -> pd.DataFrame:
    """Read an SDMX-ML 2.1 data message (StructureSpecificData or GenericData).

    Parameters
    ----------
    dimensions:
        The dimension ids when known (from the DSD); otherwise every Series attribute except
        known series attributes is taken as a dimension.

    Returns
    -------
    pandas.DataFrame
        The tidy table; ``attrs`` has ``prepared``, ``dataset_id`` and ``format``
        (``'sdmx-ml-structurespecific'`` or ``'sdmx-ml-generic'``).
    """
    raw, label = read_source_bytes(source, name)
    records: dict[str, list[Any]] = {f: [] for f in ("TIME_PERIOD", "OBS_VALUE", "OBS_FLAG",
                                                     "CONF_STATUS")}  # fmt: skip
    header: dict[str, str] = {}
    dims: list[str] = []
    kind = "sdmx-ml-structurespecific"
    series: dict[str, str] = {}
    try:
        for event, el in ET.iterparse(io.BytesIO(raw), events=("start", "end")):
            tag = _local(el.tag)
            if event == "start":
                if tag == "GenericData":
                    kind = "sdmx-ml-generic"
                elif tag == "Series" and kind != "sdmx-ml-generic":
                    series = {k: v for k, v in el.attrib.items() if _is_dim(k, dimensions)}
                continue
            if tag in ("Prepared", "DataSetID", "Extracted"):
                header[tag] = (el.text or "").strip()
            elif tag == "SeriesKey":
                series = {
                    v.get("id", ""): v.get("value", "") for v in el if _local(v.tag) == "Value"
                }
            elif tag == "Obs":
                obs = _generic_obs(el) if kind == "sdmx-ml-generic" else dict(el.attrib)
                extra = {k: v for k, v in obs.items() if k not in OBS_FIELDS}
                key = {**series, **{k: v for k, v in extra.items() if _is_dim(k, dimensions)}}
                for d in key:
                    if d not in records:
                        if records["TIME_PERIOD"]:
                            raise InputError(f"dimension {d!r} appears only on later series",
                                             file=label, column=d)  # fmt: skip
                        records[d] = []
                        dims.append(d)
                for d in dims:
                    records[d].append(key.get(d, ""))
                records["TIME_PERIOD"].append(obs.get("TIME_PERIOD", ""))
                records["OBS_VALUE"].append(obs.get("OBS_VALUE"))
                records["OBS_FLAG"].append(obs.get("OBS_FLAG") or obs.get("OBS_STATUS"))
                records["CONF_STATUS"].append(obs.get("CONF_STATUS") or obs.get("OBS_CONF"))
                el.clear()
            elif tag == "Series":
                el.clear()
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputError(f"not well-formed XML ({exc})", file=label, line=line) from None
    if not dims and not records["TIME_PERIOD"]:
        frame = pd.DataFrame(columns=["time", "value", "flag"])
    else:
        frame = _tidy(records, dims, label)
    frame.attrs.update(
        format=kind,
        dimensions=[d.lower() for d in dims],
        prepared=header.get("Prepared"),
        dataset_id=header.get("DataSetID"),
        file=label,
    )
    return frame


def _is_dim(attr: str, dimensions: list[str] | None) -> bool:
    if dimensions is not None:
        return attr.lower() in {d.lower() for d in dimensions}
    return attr not in SERIES_ATTRIBUTES and attr not in OBS_FIELDS and ":" not in attr


def _generic_obs(el: ET.Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for child in el:
        tag = _local(child.tag)
        if tag == "ObsDimension":
            out[child.get("id", "TIME_PERIOD")] = child.get("value", "")
        elif tag == "ObsValue":
            out["OBS_VALUE"] = child.get("value", "")
        elif tag in ("Attributes", "ObsKey"):
            for v in child:
                out[v.get("id", "")] = v.get("value", "")
    return out
