"""USPTO full-text XML importer: real red-book samples (tests/fixtures/uspto_xml), bulk files built from them."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

from ipops.patents.importers import uspto_xml
from ipops.patents.importers.base import FIELDS, FileProblem, Parser, Problem, SourceRow
from ipops.patents.importers.uspto_xml import UsptoXmlParser, looks_like_uspto_xml

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "uspto_xml"
GRANTS_2014 = ["US08926509.xml", "US08927118.xml", "US08930553.xml"]
GRANTS_2006 = ["US07272630B2.xml"]
GRANTS_2004 = ["US06859910.xml", "US06970935.xml"]
APPLICATIONS_2004 = ["US20050004437A1.xml", "US20050004974A1.xml"]
ALL_SAMPLES = GRANTS_2014 + GRANTS_2006 + GRANTS_2004 + APPLICATIONS_2004


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def parse(path: Path) -> list[SourceRow | Problem]:
    return list(UsptoXmlParser(path).rows())


def only_row(path: Path) -> SourceRow:
    results = parse(path)
    assert len(results) == 1
    row = results[0]
    assert isinstance(row, SourceRow), row
    return row


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- every sample: the numbers, dates and titles read by hand from each file ---------------------------

KEY_FIELDS = {
    # file: (pub_number, app_number, kind, app_date, pub_date, grant_date, title, claims_count)
    "US08926509.xml": (
        "US8926509B2",
        "US12134151",
        "B2",
        "2008-06-05",
        "2015-01-06",
        "2015-01-06",
        "Wireless physiological sensor patches and systems",
        "31",
    ),
    "US08927118.xml": (
        "US8927118B2",
        "US13349377",
        "B2",
        "2012-01-12",
        "2015-01-06",
        "2015-01-06",
        "Material for organic electroluminescence device and organic electroluminescence device using the same",
        "45",
    ),
    "US08930553.xml": (
        "US8930553B2",
        "US13648029",
        "B2",
        "2012-10-09",
        "2015-01-06",
        "2015-01-06",
        "Managing mid-dialog session initiation protocol (SIP) messages",
        "8",
    ),
    "US07272630B2.xml": (
        "US7272630B2",
        "US10991571",
        "B2",
        "2004-11-18",
        "2007-09-18",
        "2007-09-18",
        "Locating potentially identical objects across multiple computers based on stochastic partitioning of workload",
        "17",
    ),
    "US06859910.xml": (
        "US6859910B2",
        "US09832323",
        "B2",
        "2001-04-10",
        "2005-02-22",
        "2005-02-22",
        "Methods and systems for transactional tunneling",
        "2",
    ),
    "US06970935.xml": (
        "US6970935B1",
        "US09703574",
        "B1",
        "2000-11-01",
        "2005-11-29",
        "2005-11-29",
        "Conversational networking via transport, coding and control conversational protocols",
        "30",
    ),
    "US20050004437A1.xml": (
        "US20050004437A1",
        "US10830857",
        "A1",
        "2004-04-23",
        "2005-01-06",
        "",
        "Simulation device for playful evaluation and display of blood sugar levels",
        "10",
    ),
    "US20050004974A1.xml": (
        "US20050004974A1",
        "US10687244",
        "A1",
        "2003-10-16",
        "2005-01-06",
        "",
        "Device model agent",
        "21",
    ),
}


def test_every_sample_of_the_supported_formats_is_listed() -> None:
    assert sorted(KEY_FIELDS) == sorted(ALL_SAMPLES)
    assert sorted(p.name for p in SAMPLES.glob("*.xml")) == sorted([*ALL_SAMPLES, "USD435854S1.xml"])


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_each_sample_document_gives_its_numbers_dates_and_title(name: str) -> None:
    row = only_row(SAMPLES / name)
    pub_number, app_number, kind, app_date, pub_date, grant_date, title, claims = KEY_FIELDS[name]
    assert row.line == 1
    assert row.values["pub_number"] == pub_number
    assert row.values["app_number"] == app_number
    assert row.values["kind"] == kind
    assert row.values["country"] == "US"
    assert row.values["app_date"] == app_date
    assert row.values["pub_date"] == pub_date
    assert row.values["grant_date"] == grant_date
    assert row.values["title"] == title
    assert row.extra["claims_count"] == claims
    assert row.extra["doc_type"] == ("application" if name in APPLICATIONS_2004 else "grant")
    assert row.values["abstract"] and row.values["first_claim"].startswith("1. ")
    assert row.values["main_ipc"] == row.values["ipc"].split(";")[0]
    assert set(row.values) <= set(FIELDS)
    assert all(isinstance(v, str) for v in (*row.values.values(), *row.extra.values()))


def test_grant_v45_2014_every_field() -> None:
    row = only_row(SAMPLES / "US08927118.xml")
    claim = row.values.pop("first_claim").split("\n")
    assert row.values == {
        "pub_number": "US8927118B2",
        "app_number": "US13349377",
        "kind": "B2",
        "country": "US",
        "title": "Material for organic electroluminescence device and organic electroluminescence device using the same",
        "abstract": (
            "Provided are an organic electroluminescence device, which shows high luminous efficiency, is free "
            "of any pixel defect, and has a long lifetime, and a material for an organic electroluminescence "
            "device for realizing the device. The material for an organic electroluminescence device is a "
            "compound having a n-conjugated heteroacene skeleton crosslinked with a carbon atom, nitrogen atom, "
            "oxygen atom, or sulfur atom. The organic electroluminescence device has one or more organic thin "
            "film layers including a light emitting layer between a cathode and an anode, and at least one "
            "layer of the organic thin film layers contains the material for an organic electroluminescence "
            "device."
        ),
        "app_date": "2012-01-12",
        "pub_date": "2015-01-06",
        "grant_date": "2015-01-06",
        "main_ipc": "H05B33/14",
        "ipc": "H05B33/14;C07D495/04;C07D307/91;C07D487/04;C07D493/04;C07D519/00;C09K11/06;H01L51/00;H01L51/50",
        "applicants": "Idemitsu Kosan Co., Ltd.",  # the assignee, not the five inventor-applicants
        "inventors": "Tomoki Kato;Masaki Numata;Kazuki Nishimura;Toshihiro Iwakuma;Chishio Hosokawa",
        "address": "Tokyo, JP",
        "agents": "Oblon, Spivak, McClelland, Maier & Neustadt, L.L.P.",
        "priority": "JP 2008-148514 2008-06-05",
    }
    # Claim 1 spreads over several sibling <claim-text>s with a chemical formula image between them.
    assert (
        claim[0] == "1. A material for an organic electroluminescence device represented by the formula (5):"
    )
    assert claim[1] == "wherein:"
    assert claim[2] == "X5 and X6 represent N\u2014R1;"
    assert claim[-1] == "A1, A2, L1, and L2 are each free of any carbonyl group."
    assert len(claim) == 10
    uspc = row.extra.pop("uspc").split(";")
    assert (uspc[0], uspc[-1], len(uspc)) == ("428/690", "549/41", 6)  # 428690 … "549 41"
    assert row.extra == {
        "doc_type": "grant",
        "dtd_version": "v4.5 2014-04-03",
        "appl_type": "utility",
        "claims_count": "45",
        "cpc": (
            "C07D493/04;C07D487/04;C07D519/00;C09K11/06;H01L51/0055;H01L51/0072;H01L51/0073;H01L51/0074;"
            "H05B33/14;C09K2211/1029;C09K2211/1088;H01L51/5016;H01L51/5048;H01L51/5092"
        ),
        "main_cpc": "C07D493/04",
        "related_publication": "US20120104943A1",
        "source_file": "US08927118-20150106.XML",
    }


def test_grant_v45_without_assignee_keeps_the_inventor_applicants_and_the_ipcr_main_first() -> None:
    row = only_row(SAMPLES / "US08930553.xml")
    assert row.values["first_claim"] == (
        "1. A system for processing mid-dialog SIP messages, the system comprising:\n"
        "an incoming message hardware processor configured to receive a mid-dialog SIP message from a SIP user "
        "agent client; and\n"
        "an unknown message hardware processor configured to\n"
        "create a new SIP session,\n"
        "associate the new SIP session with the mid-dialog SIP message,\n"
        "identify an application that is associated with the mid-dialog SIP message,\n"
        "provide to the application the mid-dialog SIP message in the context of the new SIP session, and\n"
        "receive an acknowledgement from the application that the application will accept the mid-dialog SIP "
        "message."
    )
    assert row.values["applicants"] == "International Business Machines Corporation"
    assert row.values["inventors"] == "Nitzan Nissim;Brian Pulito;Asaf Zinger"
    assert row.values["address"] == "Armonk, NY, US"
    row = only_row(SAMPLES / "US08926509.xml")
    assert row.values["applicants"] == "Hmicro, Inc."
    assert row.values["address"] == "Fremont, CA, US"
    assert row.values["agents"] == "Wilson Sonsini Goodrich & Rosati"
    # 14 IPCR entries in file order; A61B5/00, the main one, is at symbol position F.
    assert row.values["main_ipc"] == "A61B5/00"
    assert row.values["ipc"].split(";") == [
        "A61B5/00",
        "A61B5/0205",
        "A61B5/0404",
        "A61B5/11",
        "H04L29/08",
        "G06F19/00",
        "H04W88/00",
        "H04W52/00",
        "H04W84/00",
        "A61B5/021",
        "A61B5/024",
        "A61B5/0476",
        "A61B5/0488",
        "A61B5/145",
    ]
    assert row.extra["main_cpc"] == "A61B5/0205"
    assert row.extra["uspc"].split(";")[:2] == ["600/301", "600/300"]
    assert row.extra["uspc"].split(";")[5:7] == ["700/2", "700/3"]  # written "700  2"
    assert row.extra["uspc"].split(";")[-1] == "340/539.12"  # written 34053912


def test_grant_v42_2006_every_field() -> None:
    row = only_row(SAMPLES / "US07272630B2.xml")
    assert row.values == {
        "pub_number": "US7272630B2",
        "app_number": "US10991571",
        "kind": "B2",
        "country": "US",
        "title": "Locating potentially identical objects across multiple computers based on stochastic partitioning of workload",
        "abstract": (
            "Potentially identical objects (e.g., files) are located across multiple computers based on "
            "stochastic partitioning of workload. For each of a plurality of objects stored on a plurality of "
            "computers in a network, a portion of object information corresponding to the object is selected. "
            "The object information can be generated in a variety of manners (e.g., based on hashing the "
            "object, based on characteristics of the object, and so forth). Any of a variety of portions of the "
            "object information can be used (e.g., the least significant bits of the object information). A "
            "stochastic partitioning process is then used to identify which of the plurality of computers to "
            "communicate the object information to for identification of potentially identical objects on the "
            "plurality of computers."
        ),
        "first_claim": (
            "1. A method implemented in a computer, the method comprising:\n"
            "generating an imprint identification code for an object stored at the computer, wherein the imprint "
            "identification code comprises a first set of bits of object information corresponding to the object, "
            "and wherein the number of bits in the first set of bits is based at least in part on a count of "
            "computers that the computer is aware of in the network;\n"
            "identifying one or more additional computers each having a computer identifier that includes a "
            "second set of bits that match the imprint identification code; and\n"
            "sending the object information to each of the identified one or more additional computers."
        ),
        "app_date": "2004-11-18",
        "pub_date": "2007-09-18",
        "grant_date": "2007-09-18",
        "main_ipc": "G06F15/13",
        "ipc": "G06F15/13",
        "applicants": "Microsoft Corporation",
        # No <inventors> before 2012: the inventors are the applicants of type applicant-inventor.
        "inventors": "John R. Douceur;Marvin M. Theimer;Atul Adya;William J. Bolosky",
        "address": "Redmond, WA, US",
        "agents": "Lee & Hayes, PLLC",
        "priority": "",
    }
    assert row.extra == {
        "doc_type": "grant",
        "dtd_version": "v4.2 2006-08-23",
        "appl_type": "utility",
        "claims_count": "17",
        "uspc": "709/203;709/201;709/219;715/739",
        "related_publication": "US20050097148A1",
        "source_file": "US07272630-20070918.XML",
    }


def test_grant_v40_2004_every_field() -> None:
    row = only_row(SAMPLES / "US06859910.xml")
    assert row.values == {
        "pub_number": "US6859910B2",
        "app_number": "US09832323",
        "kind": "B2",
        "country": "US",
        "title": "Methods and systems for transactional tunneling",
        "abstract": (
            "Methods and systems for executing an electronic transaction are provided, including parsing pages "
            "of a web server that execute a transaction to separate static from transactional content, "
            "identifying and storing rules for executing a transaction on the site, and presenting displays "
            "that enable a user to complete the transaction without interacting directly with the site, such as "
            "by interacting with a banner ad, electronic mail, cellular phone, or other simple interface."
        ),
        "first_claim": (
            "1. A method of executing an electronic transaction, comprising:\n"
            "establishing a persistent connection to a server, wherein the server has a capability of executing "
            "an electronic transaction;\n"
            "obtaining a set of pages from the server, wherein interaction with the set of pages is sufficient "
            "to execute the electronic transaction;\n"
            "parsing the set of pages to separate transactional content from other content;\n"
            "identifying elements of the transactional content that are required to complete the electronic "
            "transaction;\n"
            "storing one or more rules, wherein compliance with the one or more rules satisfies the elements "
            "required to complete the electronic transaction;\n"
            "presenting a display to a user, wherein the display is different from the set of pages and wherein "
            "the display encourages execution of the electronic transaction; and\n"
            "upon interaction of the user with the display, executing the rules to send a signal to the server "
            "to complete the electronic transaction."
        ),
        "app_date": "2001-04-10",
        "pub_date": "2005-02-22",
        "grant_date": "2005-02-22",
        # <classification-ipc> edition 7, written G06F015/00
        "main_ipc": "G06F15/00",
        "ipc": "G06F15/00;G06F17/00;G06F17/21;G06F17/24",
        # The 2004 assignee has its <orgname> without <addressbook> and no address: the inventor's
        # address is not passed off as the assignee's.
        "applicants": "Bluestreak.com",
        "inventors": "John Charles Croy",
        "address": "",
        "agents": "Joseph H. Born;Foley Hoag LLP",
        "priority": "",
    }
    assert row.extra == {
        "doc_type": "grant",
        "dtd_version": "v40 2004-12-02",
        "appl_type": "utility",
        "claims_count": "2",
        "uspc": (
            "715/513;709/219;709/227;709/203;705/26;705/39;705/75;707/7;707/10;707/102;345/748;345/760;345/762"
        ),
        "related_publication": "US20010037361A1",
        "source_file": "US06859910-20050222.XML",
    }
    row = only_row(SAMPLES / "US06970935.xml")
    assert row.values["applicants"] == "International Business Machines Corporation"
    assert row.values["address"] == "Armonk, NY, US"
    assert row.values["agents"] == "F.Chau & Associates, LLC;Frank V. DeRosa"
    assert row.extra["uspc"] == "709/230;709/228;370/356;379/88.02"


def test_application_v40_2004_every_field() -> None:
    row = only_row(SAMPLES / "US20050004437A1.xml")
    assert row.values == {
        "pub_number": "US20050004437A1",
        "app_number": "US10830857",
        "kind": "A1",
        "country": "US",
        "title": "Simulation device for playful evaluation and display of blood sugar levels",
        "abstract": (
            "A simulation device for playful evaluation and display of blood sugar levels, including a display, "
            "wherein the evaluation is displayed by a virtual creature."
        ),
        "first_claim": (
            "1. A simulation device for displaying and evaluating blood sugar readings, comprising:\n"
            "a housing;\n"
            "a display means; and\n"
            "a storing, evaluating and controlling unit;\n"
            "wherein the evaluation is displayed by means of a virtual creature."
        ),
        "app_date": "2004-04-23",
        "pub_date": "2005-01-06",
        "grant_date": "",
        "main_ipc": "A61B5/00",
        "ipc": "A61B5/00",
        "applicants": "Heiner Kaufmann;Thomas Vering",  # no assignee: the applicants are the inventors
        "inventors": "Heiner Kaufmann;Thomas Vering",
        "address": "Bern, CH",
        "agents": "",  # applications name a correspondence address, not agents
        "priority": "CH 1974/01 2001-10-26",
    }
    assert row.extra == {
        "doc_type": "application",
        "dtd_version": "v4.0 2004-12-02",
        "appl_type": "utility",
        "claims_count": "10",  # counted: applications have no <number-of-claims>
        "uspc": "600/300;128/905;345/952",
        "source_file": "US20050004437A1-20050106.XML",
    }
    row = only_row(SAMPLES / "US20050004974A1.xml")
    assert row.values["applicants"] == "Xerox Corporation"
    assert row.values["address"] == ""  # the assignee has no address in the file
    assert row.values["inventors"].split(";")[:2] == [
        "Naveen Sharma",
        "Michael R. Furst",
    ]  # middle names kept
    assert len(row.values["inventors"].split(";")) == 12


def test_main_ipc_is_the_first_position_one_and_repeated_names_are_given_once(tmp_path: Path) -> None:
    doc = sample("US08926509.xml").decode()
    # Make the second IPCR entry (A61B5/0205) the main one, pad a main group as fixed-width data does,
    # list the assignee twice and hide its country.
    doc = doc.replace("<symbol-position>F</symbol-position>", "<symbol-position>L</symbol-position>", 1)
    doc = doc.replace(
        "<subgroup>0205</subgroup>\n<symbol-position>L</symbol-position>",
        "<subgroup>0205</subgroup>\n<symbol-position>F</symbol-position>",
        1,
    )
    doc = doc.replace("<main-group>5</main-group>", "<main-group>005</main-group>", 1)
    assignee = doc[doc.index("<assignee>") : doc.index("</assignees>")]
    doc = doc.replace("</assignees>", assignee + "</assignees>", 1)
    doc = doc.replace(
        "<state>CA</state>\n<country>US</country>\n</address>\n</addressbook>\n</assignee>",
        "<state>CA</state>\n<country>unknown</country>\n</address>\n</addressbook>\n</assignee>",
    )
    row = only_row(write(tmp_path, "edited.xml", doc.encode()))
    assert row.values["main_ipc"] == "A61B5/0205"
    assert row.values["ipc"].split(";")[:3] == ["A61B5/0205", "A61B5/00", "A61B5/0404"]
    assert row.values["applicants"] == "Hmicro, Inc."
    assert row.values["address"] == "Fremont, CA"


def test_the_parser_fits_the_importer_protocol() -> None:
    parser: Parser = UsptoXmlParser(SAMPLES / "US06859910.xml")
    assert parser.format_name == "uspto-xml"


# --- bulk files ------------------------------------------------------------------------------------------


def bulk(names: list[str]) -> tuple[bytes, list[int]]:
    """The files one after the other, and the line each starts on (counted here, independently)."""
    data = b""
    starts = []
    for name in names:
        starts.append(data.count(b"\n") + 1)
        data += sample(name)
    return data, starts


def test_a_bulk_file_gives_one_row_per_document_with_its_start_line(tmp_path: Path) -> None:
    names = ALL_SAMPLES + ALL_SAMPLES[::-1]
    data, starts = bulk(names)
    results = parse(write(tmp_path, "ipg150106.xml", data))
    assert all(isinstance(r, SourceRow) for r in results)
    assert [r.line for r in results] == starts
    assert [r.values["pub_number"] for r in results if isinstance(r, SourceRow)] == [
        KEY_FIELDS[n][0] for n in names
    ]
    assert starts[1] == 3189  # US08926509.xml has 3188 lines


@pytest.mark.parametrize("chunk", [5, 6, 7, 64, 4093])
def test_declarations_cut_by_a_read_boundary_still_split_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    names = ["US20050004437A1.xml", "US06859910.xml", "US20050004437A1.xml"]
    data, starts = bulk(names)
    monkeypatch.setattr(uspto_xml, "CHUNK_BYTES", chunk)
    results = parse(write(tmp_path, "bulk.xml", data))
    assert [(r.line, r.values["pub_number"]) for r in results if isinstance(r, SourceRow)] == [
        (starts[0], "US20050004437A1"),
        (starts[1], "US6859910B2"),
        (starts[2], "US20050004437A1"),
    ]


def test_documents_written_without_a_line_break_between_them(tmp_path: Path) -> None:
    first = sample("US20050004437A1.xml").rstrip()
    data = first + sample("US06859910.xml").rstrip() + b"  " + sample("US20050004974A1.xml")
    results = parse(write(tmp_path, "bulk.xml", data))
    last_line = first.count(b"\n") + 1
    second_last = last_line + sample("US06859910.xml").rstrip().count(b"\n")
    assert [(r.line, r.values["pub_number"]) for r in results if isinstance(r, SourceRow)] == [
        (1, "US20050004437A1"),
        (last_line, "US6859910B2"),
        (second_last, "US20050004974A1"),
    ]


def test_a_corrupt_document_gives_one_problem_and_the_others_load(tmp_path: Path) -> None:
    broken = sample("US06859910.xml").replace(b"</invention-title>", b"</invention-titel>")
    assert broken != sample("US06859910.xml")
    parts = [sample("US08930553.xml"), broken, sample("US20050004437A1.xml")]
    data = b"".join(parts)
    results = parse(write(tmp_path, "bulk.xml", data))
    assert len(results) == 3
    first, problem, last = results
    assert isinstance(first, SourceRow) and first.values["pub_number"] == "US8930553B2"
    assert isinstance(last, SourceRow) and last.values["pub_number"] == "US20050004437A1"
    assert last.line == data.count(b"\n", 0, len(parts[0]) + len(parts[1])) + 1
    assert isinstance(problem, Problem)
    assert problem.is_error
    start = parts[0].count(b"\n") + 1
    assert problem.line == start
    assert problem.value == "US06859910-20050222.XML"
    error_line = start + broken[: broken.index(b"</invention-titel>")].count(b"\n")
    assert problem.reason.startswith("This document is not well-formed XML: mismatched tag")
    assert f"file line {error_line}," in problem.reason


def test_a_truncated_last_document_is_a_problem(tmp_path: Path) -> None:
    whole = sample("US06859910.xml")
    data = sample("US20050004437A1.xml") + whole[: len(whole) // 2]
    results = parse(write(tmp_path, "bulk.xml", data))
    assert isinstance(results[0], SourceRow)
    assert isinstance(results[1], Problem)
    assert results[1].line == sample("US20050004437A1.xml").count(b"\n") + 1
    assert "not well-formed" in results[1].reason
    assert len(results) == 2


def test_sequence_listings_are_skipped_and_other_documents_reported(tmp_path: Path) -> None:
    sequence = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sequence-cwu SYSTEM "x.dtd" [ ]>\n<sequence-cwu><s>ACGT</s></sequence-cwu>\n'
    other = b'<?xml version="1.0"?>\n<cpc-master><x/></cpc-master>\n'
    old = sample("USD435854S1.xml")
    data = sample("US20050004437A1.xml") + sequence + other + old + sample("US20050004974A1.xml")
    results = parse(write(tmp_path, "bulk.xml", data))
    assert [type(r).__name__ for r in results] == ["SourceRow", "Problem", "Problem", "SourceRow"]
    other_line = data.index(other)
    assert results[1].line == data.count(b"\n", 0, other_line) + 1
    assert results[1].reason == (
        "This document is not a USPTO patent grant or application: its root element is <cpc-master>."
    )
    assert "SGML/XML 2.5" in results[2].reason


def test_named_entities_are_read_and_unknown_ones_reported(tmp_path: Path) -> None:
    doc = sample("US20050004437A1.xml")
    accented = doc.replace(b"<city>Bern</city>", b"<city>Z&uuml;rich &amp; Bern</city>")
    unknown = doc.replace(b"<city>Bern</city>", b"<city>&nosuchentity;</city>")
    results = parse(write(tmp_path, "bulk.xml", accented + unknown))
    assert isinstance(results[0], SourceRow)
    assert results[0].values["address"] == "Z\u00fcrich & Bern, CH"
    assert isinstance(results[1], Problem)
    assert "undefined entity" in results[1].reason


def test_a_single_document_without_declaration_starts_where_its_text_starts(tmp_path: Path) -> None:
    doc = sample("US20050004437A1.xml")
    without = doc[doc.index(b"\n") + 1 :]
    row = only_row(write(tmp_path, "one.xml", b"\xef\xbb\xbf\n\n" + without))
    assert row.line == 3
    assert row.values["pub_number"] == "US20050004437A1"


# --- files that are not USPTO XML ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n\n", "The file is empty."),
        (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<cpc-master><item/></cpc-master>\n',
            "This is not a USPTO full-text XML file",
        ),
        (
            "申请号,公开（公告）号,名称\nCN201220249767.4,CN202644312U,一种钢筋混凝土轨枕\n".encode(),
            "not a USPTO",
        ),
        (b"PATN\nWKU  039327098\nTTL  Data processing\n", "not a USPTO"),
    ],
)
def test_files_that_are_not_uspto_xml_are_refused(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(FileProblem) as raised:
        parse(write(tmp_path, "file.xml", data))
    assert message in raised.value.message


def test_the_2001_2004_formats_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(FileProblem) as raised:
        parse(SAMPLES / "USD435854S1.xml")
    assert "SGML/XML 2.5 (2001–2004 grants)" in raised.value.message
    pap = b'<?xml version="1.0"?>\n<!DOCTYPE patent-application-publication SYSTEM "pap-v16-2002-01-01.dtd" [ ]>\n<patent-application-publication/>\n'
    with pytest.raises(FileProblem) as raised:
        parse(write(tmp_path, "pap.xml", pap))
    assert "PAP XML" in raised.value.message


def test_a_file_of_sequence_listings_only_holds_no_patent(tmp_path: Path) -> None:
    data = b'<?xml version="1.0"?>\n<!DOCTYPE us-patent-grant SYSTEM "x.dtd" [ ]>\n<sequence-cwu/>\n'
    with pytest.raises(FileProblem) as raised:
        parse(write(tmp_path, "seq.xml", data))
    assert raised.value.message == "The file holds no USPTO patent grant or application document."


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_sniffing_recognises_every_sample(name: str) -> None:
    assert looks_like_uspto_xml(sample(name)[: uspto_xml.SNIFF_BYTES])
    assert looks_like_uspto_xml(b"\xef\xbb\xbf\n" + sample(name)[:300])


@pytest.mark.parametrize(
    "head",
    [
        b"",
        "申请号,公开（公告）号,公开（公告）日,申请日,名称,主分类号\nCN201220249767.4,CN202644312U,2013.01.02\n".encode(),
        "申请号,名称\nCN1,us-patent-grant\n".encode("gb18030"),
        b'<?xml version="1.0"?>\n<cpc-master/>',
        b"PATN\nWKU  039327098\n",
        b"<!-- us-patent-grant -->",
    ],
)
def test_sniffing_rejects_other_files(head: bytes) -> None:
    assert not looks_like_uspto_xml(head)


def test_sniffing_rejects_the_unsupported_uspto_formats() -> None:
    assert not looks_like_uspto_xml(sample("USD435854S1.xml")[:8192])


# --- memory ----------------------------------------------------------------------------------------------


def peak_allocated(path: Path) -> tuple[int, int]:
    gc.collect()
    tracemalloc.start()
    try:
        count = sum(1 for _row in UsptoXmlParser(path).rows())
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_documents(tmp_path: Path) -> None:
    doc = sample("US08927118.xml")  # the largest sample, 676 KB
    one_count, one_peak = peak_allocated(write(tmp_path, "one.xml", doc))
    many_count, many_peak = peak_allocated(write(tmp_path, "many.xml", doc * 16))
    assert (one_count, many_count) == (1, 16)
    # 16 documents (10.8 MB) need about what one needs (plus the read buffer): no more than one
    # document's tree is alive at a time. Holding two would already be ~1.8x.
    assert many_peak < one_peak * 1.4, (one_peak, many_peak)
