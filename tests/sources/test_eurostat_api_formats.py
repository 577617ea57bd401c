"""SDMX readers: the real SDMX-ML 2.1 StructureSpecificData message, GenericData, SDMX-CSV 1.0
and 2.0, structure messages (dataflow annotations, DSD order), TOC, async/fault envelopes."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from fakeserver import async_envelope, dataflow_xml, soap_fault

from clusteratlas.errors import InputError
from clusteratlas.sources.eurostat_catalogue import (
    parse_async,
    parse_soap_fault,
    read_toc_txt,
    read_toc_xml,
)
from clusteratlas.sources.sdmx import read_sdmx_csv, read_sdmx_ml
from clusteratlas.sources.sdmx_structure import (
    read_codelists,
    read_dataflows,
    read_dsd_dimensions,
    sdmx_key,
)

SS_FILE = "eurostat_wire/ESTAT_NAMA_10_GDP_LU_sdmxml21_structurespecific.xml"


def test_real_structure_specific_message(shared_file) -> None:
    df = read_sdmx_ml(shared_file(SS_FILE))
    assert list(df.columns) == ["geo", "na_item", "unit", "freq", "time", "value", "flag"]
    assert df["time"].tolist() == ["2012", "2013", "2014", "2015"]
    assert df["value"].tolist() == [46526.2, 49094.5, 51791.3, 54142.3]
    assert set(df["geo"].astype(str)) == {"LU"} and set(df["unit"].astype(str)) == {"CP_MEUR"}
    assert df["flag"].tolist() == [None] * 4
    assert df.attrs["dataset_id"] == "NAMA_10_GDP"
    assert df.attrs["prepared"] == "2022-11-11T12:30:30.333Z"
    assert df.attrs["format"] == "sdmx-ml-structurespecific"


def test_real_message_loads_into_store(shared_file, store) -> None:
    """The SDMX-ML path ends in the same store rows as the other formats."""
    from clusteratlas.sources.eurostat_tsv import eurostat_observations

    df = read_sdmx_ml(shared_file(SS_FILE))
    obs, _cls = eurostat_observations(df, dataset="nama_10_gdp", region_system="NUTS2021",
                                     label="x", warnings=[])  # fmt: skip
    store.load_observations(obs, dataset="nama_10_gdp", source="eurostat")
    got = store.query("SELECT region, year, measure, dims, value FROM observations ORDER BY year")
    assert got["region"].tolist() == ["LU"] * 4 and got["measure"].tolist() == ["CP_MEUR"] * 4
    assert got["dims"].tolist() == ["na_item=B1GQ"] * 4 and got["value"].iloc[-1] == 54142.3


GENERIC = b"""<?xml version="1.0" encoding="UTF-8"?>
<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
 xmlns:generic="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
 xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
 <message:Header><message:ID>X</message:ID><message:Prepared>2024-01-01T00:00:00</message:Prepared>
 </message:Header>
 <message:DataSet structureRef="X">
  <generic:Series>
   <generic:SeriesKey><generic:Value id="freq" value="A"/><generic:Value id="unit" value="THS"/>
    <generic:Value id="geo" value="AT11"/></generic:SeriesKey>
   <generic:Obs><generic:ObsDimension value="2015"/><generic:ObsValue value="5.2"/>
    <generic:Attributes><generic:Value id="OBS_FLAG" value="u"/></generic:Attributes></generic:Obs>
   <generic:Obs><generic:ObsDimension value="2014"/><generic:ObsValue value="NaN"/>
    <generic:Attributes><generic:Value id="OBS_FLAG" value="c"/></generic:Attributes></generic:Obs>
  </generic:Series>
 </message:DataSet>
</message:GenericData>"""


def test_generic_data_message() -> None:
    df = read_sdmx_ml(GENERIC)
    assert list(df.columns) == ["freq", "unit", "geo", "time", "value", "flag"]
    assert df["time"].tolist() == ["2015", "2014"] and df["flag"].tolist() == ["u", "c"]
    assert df["value"].iloc[0] == 5.2 and np.isnan(df["value"].iloc[1])
    assert df.attrs["format"] == "sdmx-ml-generic"


def test_broken_xml_names_the_line() -> None:
    with pytest.raises(InputError) as err:
        read_sdmx_ml(b"<a>\n<b>\n</a>", name="resp.xml")
    assert err.value.file == "resp.xml" and err.value.line == 3


def test_sdmx_csv_2_with_conf_status() -> None:
    text = (
        b"STRUCTURE,STRUCTURE_ID,ACTION,freq,indic_sbs,nace_r2,geo,TIME_PERIOD,OBS_VALUE,"
        b"OBS_FLAG,CONF_STATUS\n"
        b"dataflow,ESTAT:SBS_R_NUTS2021(1.0),I,A,EMP_LOC_NR,C10,AT11,2021,1234,,\n"
        b"dataflow,ESTAT:SBS_R_NUTS2021(1.0),I,A,EMP_LOC_NR,C11,AT11,2021,,,C\n"
        b"dataflow,ESTAT:SBS_R_NUTS2021(1.0),I,A,EMP_LOC_NR,C12,AT11,2021,7,e,\n"
    )
    df = read_sdmx_csv(gzip.compress(text), name="x.csv.gz")
    assert list(df.columns) == ["freq", "indic_sbs", "nace_r2", "geo", "time", "value", "flag"]
    assert df["flag"].tolist() == [None, "c", "e"]
    assert df["value"].iloc[0] == 1234.0 and np.isnan(df["value"].iloc[1])
    assert df["time"].tolist() == ["2021"] * 3  # kept as text, never an integer


def test_sdmx_csv_keeps_codes_as_text() -> None:
    text = b"DATAFLOW,geo,nace_r2,TIME_PERIOD,OBS_VALUE\nX,01,10,2020,1.5\n"
    df = read_sdmx_csv(text)
    assert df["geo"].tolist() == ["01"] and df["nace_r2"].tolist() == ["10"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"geo,OBS_VALUE\nAT,1\n", "without a TIME_PERIOD"),
        (b"TIME_PERIOD,OBS_VALUE\n2020,1\n", "without dimension columns"),
        (b"geo,TIME_PERIOD,OBS_VALUE\nAT,2020,abc\n", "OBS_VALUE that is not a number"),
    ],
)
def test_sdmx_csv_errors(text, message) -> None:
    with pytest.raises(InputError, match=message):
        read_sdmx_csv(text, name="x.csv")


def test_dataflow_annotations() -> None:
    flows = read_dataflows(dataflow_xml("lfst_r_lfe2en2", "Employment", "2024-04-25T23:00:00+0200"))
    f = flows[0]
    assert f.id == "LFST_R_LFE2EN2" and f.name == "Employment"
    assert f.last_update == "2024-04-25T23:00:00+0200" and f.structure == "LFST_R_LFE2EN2"
    assert f.period == ("2008", None)


DSD = b"""<m:Structure xmlns:m="urn:m" xmlns:s="urn:s"><m:Structures><s:DataStructures>
<s:DataStructure id="LFST_R_LFE2EN2"><s:DataStructureComponents><s:DimensionList>
<s:Dimension id="geo" position="4"><s:LocalRepresentation><s:Enumeration><Ref id="GEO"/>
</s:Enumeration></s:LocalRepresentation></s:Dimension>
<s:Dimension id="freq" position="1"><s:LocalRepresentation><s:Enumeration><Ref id="FREQ"/>
</s:Enumeration></s:LocalRepresentation></s:Dimension>
<s:Dimension id="unit" position="2"/><s:Dimension id="nace_r2" position="3"/>
<s:TimeDimension id="TIME_PERIOD" position="5"/>
</s:DimensionList></s:DataStructureComponents></s:DataStructure></s:DataStructures>
</m:Structures></m:Structure>"""


def test_dsd_dimension_order_and_key() -> None:
    dims = read_dsd_dimensions(DSD)
    assert [d.id for d in dims] == ["freq", "unit", "nace_r2", "geo"]
    assert dims[0].codelist == "FREQ"
    assert sdmx_key(dims, {"GEO": ["AT11"], "nace_r2": ["C", "F"]}) == "..C+F.AT11"
    with pytest.raises(InputError, match="unknown dimension"):
        sdmx_key(dims, {"sex": ["T"]})


def test_codelist_errors() -> None:
    with pytest.raises(InputError, match="no Codelist"):
        read_codelists(b"<m:Structure xmlns:m='urn:m'/>", name="cl.xml")


def test_toc_xml() -> None:
    xml = b"""<nt:tree xmlns:nt="urn:eu.europa.ec.eurostat.navtree">
 <nt:branch><nt:title language="en">Database by themes</nt:title><nt:code>data</nt:code>
  <nt:children>
   <nt:leaf type="dataset"><nt:code>lfst_r_lfe2en2</nt:code>
    <nt:title language="en">Employment by NUTS 2</nt:title>
    <nt:title language="de">Erwerbstaetige</nt:title>
    <nt:lastUpdate>25.04.2024</nt:lastUpdate><nt:lastModified>08.02.2024</nt:lastModified>
    <nt:dataStart>2008</nt:dataStart><nt:dataEnd>2023</nt:dataEnd><nt:values>912345</nt:values>
   </nt:leaf>
  </nt:children></nt:branch></nt:tree>"""
    df = read_toc_xml(xml, lang="de")
    leaf = df[df["code"] == "lfst_r_lfe2en2"].iloc[0]
    assert leaf["title"] == "Erwerbstaetige" and leaf["last_update"] == "25.04.2024"
    assert leaf["values"] == 912345 and leaf["level"] == 1 and leaf["type"] == "dataset"


def test_toc_txt_needs_a_code_column() -> None:
    with pytest.raises(InputError, match="table of contents"):
        read_toc_txt(b'"a"\t"b"\n')


def test_envelopes() -> None:
    st = parse_async(async_envelope("k-1", "processing"))
    assert st is not None and st.key == "k-1" and st.status == "PROCESSING"
    assert parse_async(b"\x1f\x8b...") is None and parse_async(b"<html/>") is None
    assert parse_soap_fault(soap_fault("100", "UNKNOWN_REQUEST: x")) == (
        "100",
        "UNKNOWN_REQUEST: x",
    )
    assert parse_soap_fault(b"<a/>") is None


def test_sdmx_csv_1_hand_written_from_the_real_bulk_line(shared_file) -> None:
    """Independent: SDMX-CSV 1.0 as Eurostat's SDMX 2.1 API serves it (DATAFLOW, LAST UPDATE,
    one column per dimension, TIME_PERIOD, OBS_VALUE, OBS_FLAG; an empty cell for no value),
    typed by hand from line 487 of the recorded bulk TSV, must give the TSV reader's cells."""
    from clusteratlas.sources.eurostat_tsv import read_eurostat_tsv

    head = "DATAFLOW,LAST UPDATE,freq,unit,nace_r2,age,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
    cells = [
        (2008, "7.3", "b"),
        (2009, "7.5", ""),
        (2010, "7.1", ""),
        (2011, "5.8", "u"),
        (2012, "5.8", "u"),
        (2013, "5.7", "u"),
        (2014, "5.7", "u"),
        (2015, "5.7", "u"),
    ]
    rows = "".join(
        f"ESTAT:LFST_R_LFE2EN2(1.0),27/04/17 23:00:00,A,THS,A,Y15-64,AT11,{y},{v},{f}\n"
        for y, v, f in cells
    )
    got = read_sdmx_csv((head + rows).encode(), name="hand.csv")
    tidy = read_eurostat_tsv(shared_file("eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"))
    ref = tidy[(tidy["geo"] == "AT11") & (tidy["nace_r2"] == "A") & (tidy["age"] == "Y15-64")]
    ref = ref[ref["unit"] == "THS"].astype({"time": str}).sort_values("time")
    assert got["time"].tolist() == ref["time"].tolist()
    assert got["value"].tolist() == ref["value"].tolist()
    assert got["flag"].tolist() == ref["flag"].tolist()
