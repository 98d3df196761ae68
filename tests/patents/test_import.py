"""Patent imports end to end on real CNIPA data: what is stored, what is reported, what never happens."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection

from ipops.core.jobs import execute_job, result_path
from ipops.core.models import AuditEntry, Job
from ipops.patents import services
from ipops.patents.models import Applicant, Classification, ImportBatch, Patent, PatentApplicant

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CNIPA_CSV = FIXTURES / "cnipa" / "cnipa_export_199.csv"
CNIPA_XLSX = FIXTURES / "cnipa" / "cnipa_export_199.xlsx"
GAZETTE = FIXTURES / "gazette"


def run(region: dict, path: Path, **options: str) -> Job:
    job = services.start_import(
        actor=region["operator"],
        path=services.keep_local_file(path),
        file_name=path.name,
        enqueue=False,
        **options,
    )
    return execute_job(str(job.pk))


def report_rows(job: Job) -> list[tuple]:
    path = result_path(job)
    assert path is not None
    return list(openpyxl.load_workbook(path).active.values)[1:]


def cnipa_rows() -> tuple[list[str], list[list[str]]]:
    with CNIPA_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def state() -> tuple[int, int, int, int]:
    return (
        Patent.objects.count(),
        Applicant.objects.count(),
        PatentApplicant.objects.count(),
        Classification.objects.count(),
    )


def test_cnipa_csv_loads_every_row_with_normalised_fields(region: dict) -> None:
    job = run(region, CNIPA_CSV, dataset="CNIPA export sample (CarrotC)")
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result | {"batch": ""} == {
        "batch": "", "format": "cnipa", "rows_read": 199, "created": 199, "updated": 0, "unchanged": 0,
        "rejected": 0, "warnings": 0,
    }  # fmt: skip
    patent = Patent.objects.get(pub_number="CN202644312U")
    assert (patent.app_number, patent.kind, patent.patent_type) == ("CN2012202497674", "U", "utility_model")
    assert (str(patent.app_date), str(patent.pub_date)) == ("2012-05-31", "2013-01-02")
    assert patent.title == "一种钢筋混凝土轨枕" and patent.main_ipc == "E01B 3/32"
    assert (patent.province_code, patent.city_code) == ("320000", "320600")
    assert (patent.agency, patent.agency_code, patent.agents) == (
        "南京正联知识产权代理有限公司",
        "32243",
        "胡定华",
    )
    assert patent.dataset.name == "CNIPA export sample (CarrotC)"
    assert patent.extra["专利号"] == "CN201220249767.4"
    assert [a.name for a in patent.applicants.all()] == ["海安县建莲商品混凝土有限公司"]
    assert [(c.code, c.version, c.is_main) for c in patent.classifications.all()] == [
        ("E01B 3/32", "2006.01", True)
    ]
    # one applicant entity for the firm's several patents
    firm = Applicant.objects.get(name="海安县建莲商品混凝土有限公司")
    assert firm.kind == "enterprise" and firm.patents.count() >= 5
    batch = ImportBatch.objects.get(pk=job.result["batch"])
    assert (batch.status, batch.created, batch.file_format) == ("done", 199, "cnipa")
    assert AuditEntry.objects.filter(action="patents.import", object_id=str(batch.pk)).count() == 1
    assert report_rows(job) == []


def test_reimporting_changes_nothing_and_xlsx_reads_the_same(region: dict) -> None:
    run(region, CNIPA_CSV)
    before = dict(Patent.objects.values_list("pub_number", "updated_at"))
    links = state()
    for path in (CNIPA_CSV, CNIPA_XLSX):
        job = run(region, path)
        assert (job.result["created"], job.result["updated"], job.result["unchanged"]) == (0, 0, 199), path
    assert dict(Patent.objects.values_list("pub_number", "updated_at")) == before
    assert state() == links


def test_gbk_encoded_export_reads_the_same(region: dict, tmp_path: Path) -> None:
    header, rows = cnipa_rows()
    gbk = write_csv(tmp_path / "export-gbk.csv", header, rows, encoding="gb18030")
    job = run(region, gbk)
    assert job.result["created"] == 199 and job.result["rejected"] == 0
    assert Patent.objects.get(pub_number="CN202644312U").title == "一种钢筋混凝土轨枕"


def test_a_newer_export_updates_in_place(region: dict, tmp_path: Path) -> None:
    run(region, CNIPA_CSV)
    header, rows = cnipa_rows()
    title = header.index("名称")
    rows[0][title] = "一种改进的钢筋混凝土轨枕"
    rows[1][header.index("申请（专利权）人")] = "南通新公司"
    ids = dict(Patent.objects.values_list("pub_number", "id"))
    job = run(region, write_csv(tmp_path / "newer.csv", header, list(reversed(rows))))
    assert (job.result["created"], job.result["updated"], job.result["unchanged"]) == (0, 2, 197)
    first = Patent.objects.get(pub_number=rows[0][1])
    assert first.title == "一种改进的钢筋混凝土轨枕" and first.id == ids[rows[0][1]]
    second = Patent.objects.get(pub_number=rows[1][1])
    assert [a.name for a in second.applicants.all()] == ["南通新公司"]


def test_rows_with_problems_are_reported_and_good_fields_kept(region: dict, tmp_path: Path) -> None:
    header, rows = cnipa_rows()
    col = {name: header.index(name) for name in header}
    bad = [list(r) for r in rows[:8]]
    bad[0][col["名称"]] = ""  # no title → rejected
    bad[1][col["申请号"]] = "CN201220249771.9"  # wrong check digit, valid publication number → warning
    bad[2][col["申请号"]] = "2.01E+12"  # spreadsheet-mangled → warning, stored empty
    bad[3][col["申请日"]] = "2012.02.30"  # not a date → warning, stored empty
    bad[4][col["公开（公告）号"]] = "XX"
    bad[4][col["申请号"]] = "12345"  # no valid key at all → rejected
    bad[5][col["分类号"]] = "=HYPERLINK(1);E01B3/40(2006.01)I"  # formula-like junk → warning, not a formula
    bad.append(list(rows[6]))  # exact duplicate of a row → warning
    conflicting = list(rows[7])
    conflicting[col["名称"]] = "不同的名称"
    bad.append(conflicting)  # same number, different content → rejected
    from django.utils import translation

    with translation.override("en"):  # the report is written in the language of whoever started the import
        job = run(region, write_csv(tmp_path / "bad.csv", header, bad))
    assert job.status == Job.Status.SUCCEEDED
    assert (job.result["rows_read"], job.result["created"], job.result["rejected"]) == (10, 6, 3)
    report = {(r[0], r[1], r[4]): (r[2], r[3]) for r in report_rows(job)}
    assert next((k[1], k[2]) for k in report if k[0] == 2) == ("title", "rejected")
    assert report[(3, "app_number", "warning")][0] == "CN201220249771.9"
    assert (
        "check" in report[(3, "app_number", "warning")][1].lower()
        or "校验" in report[(3, "app_number", "warning")][1]
    )
    assert report[(4, "app_number", "warning")][0] == "2.01E+12"
    assert (5, "app_date", "warning") in report
    assert (6, "pub_number", "rejected") in report or (6, "app_number", "rejected") in report
    assert report[(7, "ipc", "warning")][0].startswith("'=")
    assert (10, "pub_number", "warning") in report and (11, "pub_number", "rejected") in report
    assert Patent.objects.get(pub_number=rows[1][1]).app_number == ""
    assert Patent.objects.get(pub_number=rows[2][1]).app_number == ""
    assert Patent.objects.get(pub_number=rows[3][1]).app_date is None
    assert Patent.objects.get(pub_number=rows[7][1]).title == rows[7][col["名称"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"# notes\nnot a patent export\n", "does not look like a CNIPA export"),
        ('申请号,名称,公开（公告）号\n"CN2012,"broken\n'.encode(), "unclosed quote"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", ".xls"),
        (b"<?xml version='1.0'?><html/>", "not a USPTO"),
    ],
)
def test_files_that_cannot_be_imported_say_why_and_store_nothing(
    region: dict, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    before = state()
    from django.utils import translation

    with translation.override("en"):
        job = run(region, path)
    assert job.status == Job.Status.FAILED
    assert message in job.error, job.error
    assert state() == before and not ImportBatch.objects.exists()


def test_xlsx_with_merged_header_cells_is_refused(region: dict, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["著录项目", None, "名称"])
    sheet.merge_cells("A1:B1")
    sheet.append(["CN202644312U", "x", "一种轨枕"])
    path = tmp_path / "merged.xlsx"
    book.save(path)
    from django.utils import translation

    with translation.override("en"):
        job = run(region, path)
    assert job.status == Job.Status.FAILED and "merged cells" in job.error


def fail_on_title(title: str) -> None:
    """A real database failure part-way through an import: a trigger that refuses one title."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER boom BEFORE INSERT ON patents_patent WHEN NEW.title = '{title}' "
                "BEGIN SELECT RAISE(ABORT, 'disk full (simulated by a trigger)'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN IF NEW.title = '" + title + "' THEN "
                "RAISE EXCEPTION 'disk full (simulated by a trigger)'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER boom BEFORE INSERT ON patents_patent FOR EACH ROW EXECUTE FUNCTION boom()"
            )


def new_rows_ending_in_a_failure(rows: list[list[str]], title: int) -> list[list[str]]:
    """More than one batch of new records keyed on publication numbers; the last one the database refuses."""
    new_rows = []
    for i in range(2500):
        row = list(rows[i % len(rows)])
        row[0], row[1], row[title] = "", f"CN2{i + 10_000_000:08d}U", f"新记录{i}"
        new_rows.append(row)
    new_rows[-1][title] = "BOOM"
    fail_on_title("BOOM")
    return new_rows


def test_an_import_that_fails_part_way_leaves_the_store_as_it_was(region: dict, tmp_path: Path) -> None:
    run(region, CNIPA_CSV)
    before = state()
    stored = dict(Patent.objects.values_list("pub_number", "title"))
    header, rows = cnipa_rows()
    title = header.index("名称")
    changed = [list(r) for r in rows]
    for row in changed[:50]:
        row[title] += "（修改）"
    new_rows = new_rows_ending_in_a_failure(rows, title)
    job = run(region, write_csv(tmp_path / "big.csv", header, changed + new_rows))
    assert job.status == Job.Status.FAILED and "disk full" in job.error, job.result
    assert state() == before
    assert dict(Patent.objects.values_list("pub_number", "title")) == stored
    assert not ImportBatch.objects.filter(file_name="big.csv").exists()
    assert result_path(job) is None


def test_gazette_through_a_bundled_mapping(region: dict) -> None:
    job = run(region, GAZETTE / "CN_patent_utility_new_709_excerpt150.csv", mapping="cnipa-gazette")
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["format"] == "mapped" and job.result["created"] + job.result["rejected"] == 150
    mangled = [r for r in report_rows(job) if r[1] == "app_number"]
    assert mangled and all("E+" in r[2] for r in mangled)
    patent = Patent.objects.get(pub_number="CN209078969U")
    assert patent.app_number == "" and patent.patent_type == "utility_model"
    assert patent.province_code == "330000"
    design = run(
        region, GAZETTE / "CN_patent_appearance_designed_709_excerpt150.csv", mapping="cnipa-gazette-design"
    )
    assert Patent.objects.get(pub_number="CN305246987S").locarno == "01-01"
    assert design.result["created"] >= 140
    authorised = run(
        region, GAZETTE / "CN_patent_invention_authorized_709_excerpt150.csv", mapping="cnipa-gazette"
    )
    assert authorised.status == Job.Status.SUCCEEDED
    # the "??" separator artefact of the crawl is not taken for part of a name
    assert Patent.objects.get(pub_number="CN102889890B").inventors == "A.尚穆加孙达拉姆;S.彭纳姆巴拉姆"
    # the gazette has no grant date column: a grant announcement (B, U, S) is dated its grant
    from datetime import date

    for kind in ("B", "U", "S"):
        grants = Patent.objects.filter(kind=kind)
        assert grants.exists() and not grants.exclude(grant_date=date(2019, 7, 9)).exists()
    published = run(
        region, GAZETTE / "CN_patent_invention_published_709_excerpt150.csv", mapping="cnipa-gazette"
    )
    assert published.result["created"] > 0
    assert not Patent.objects.filter(kind="A", grant_date__isnull=False).exists()


def test_mapping_from_a_json_file_and_a_saved_mapping(region: dict, tmp_path: Path) -> None:
    mapping = {"title": "名称", "pub_number": "公开（公告）号", "app_date": "申请日"}
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    job = run(region, CNIPA_CSV, mapping=str(path))
    assert job.result["created"] == 199
    assert Patent.objects.get(pub_number="CN202644312U").extra["申请号"] == "CN201220249767.4"
    services.save_mapping(
        actor=region["operator"], name="title-only", mapping={"title": "名称", "pub_number": "公开（公告）号"}
    )
    assert run(region, CNIPA_CSV, mapping="title-only").result["updated"] == 199
    bad = {"title": "名称", "pub_number": "No such column"}
    path.write_text(json.dumps(bad), encoding="utf-8")
    from django.utils import translation

    with translation.override("en"):
        failed = run(region, CNIPA_CSV, mapping=str(path))
    assert failed.status == Job.Status.FAILED and "No such column" in failed.error


@pytest.mark.parametrize("username", ["secadmin", "auditor", "ent_admin", "bank_user"])
def test_only_operators_import(region: dict, username: str) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.start_import(actor=region[username], path=CNIPA_CSV, file_name="x.csv", enqueue=False)
    assert not Job.objects.filter(kind=services.IMPORT_JOB).exists()


def test_command_prints_a_summary_and_exit_codes(
    region: dict, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    call_command("import_patents", str(CNIPA_CSV))
    out = capsys.readouterr().out
    assert "rows read 199, created 199" in out and "report:" in out
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_patents", str(empty))
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as missing:
        call_command("import_patents", str(tmp_path / "nope.csv"))
    assert missing.value.code == 2
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_source_keeps_the_day_its_legal_statuses_were_current(
    region: dict, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from datetime import date, timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from ipops.patents.models import Dataset

    # a date needs a source to belong to; a date in the future is refused; neither queues anything
    with pytest.raises(ValidationError) as no_source:
        services.start_import(
            actor=region["operator"], path=CNIPA_CSV, file_name="x.csv", status_as_of=date(2026, 1, 5)
        )
    assert "status_as_of" in no_source.value.message_dict
    with pytest.raises(ValidationError) as future:
        services.start_import(
            actor=region["operator"],
            path=CNIPA_CSV,
            file_name="x.csv",
            dataset="导出",
            status_as_of=timezone.localdate() + timedelta(days=1),
        )
    assert "status_as_of" in future.value.message_dict
    assert not Job.objects.filter(kind=services.IMPORT_JOB).exists() and not Dataset.objects.exists()

    job = run(region, CNIPA_CSV, dataset="CNIPA export of 2026-01", status_as_of=date(2026, 1, 5))  # type: ignore[arg-type]
    assert job.status == Job.Status.SUCCEEDED, job.error
    source = Dataset.objects.get(name="CNIPA export of 2026-01")
    assert source.status_as_of == date(2026, 1, 5) and source.patent_set.count() == 199
    # the command line: a newer export of the same source moves the date; a bad date exits 2
    call_command("import_patents", str(CNIPA_CSV), "--dataset", source.name, "--status-as-of", "2026-02-01")
    source.refresh_from_db()
    assert source.status_as_of == date(2026, 2, 1)
    with pytest.raises(SystemExit) as bad:
        call_command(
            "import_patents", str(CNIPA_CSV), "--dataset", source.name, "--status-as-of", "2026-13-01"
        )
    assert bad.value.code == 2 and "Not a date" in capsys.readouterr().err


def test_uspto_bulk_xml_through_the_same_pipeline(region: dict, tmp_path: Path) -> None:
    samples = FIXTURES / "uspto_xml"
    bulk = tmp_path / "ipg-weekly.xml"
    bulk.write_bytes(b"".join((samples / n).read_bytes() for n in ("US06859910.xml", "US07272630B2.xml")))
    job = run(region, bulk)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.result["format"], job.result["created"], job.result["rejected"]) == ("uspto-xml", 2, 0)
    patent = Patent.objects.get(pub_number="US7272630B2")
    assert (patent.country, patent.app_number, str(patent.app_date)) == ("US", "US10991571", "2004-11-18")
    assert patent.main_ipc == "G06F 15/13" and patent.applicant_country == "US"
    assert patent.patent_type == "invention"  # a US utility grant (kind B2)
    assert [a.name for a in patent.applicants.all()] == ["Microsoft Corporation"]
    assert run(region, bulk).result["unchanged"] == 2


def test_an_import_that_changed_patents_queues_the_derived_store_refresh(
    region: dict, django_capture_on_commit_callbacks
) -> None:
    refreshes = Job.objects.filter(kind="corpus.refresh")
    with django_capture_on_commit_callbacks(execute=True):
        assert run(region, CNIPA_CSV).status == Job.Status.SUCCEEDED
    assert refreshes.count() == 1 and refreshes.get().status == Job.Status.QUEUED
    assert refreshes.get().created_by == region["operator"]
    refreshes.update(status=Job.Status.SUCCEEDED)
    with django_capture_on_commit_callbacks(execute=True):  # the same file again: nothing changed
        assert run(region, CNIPA_CSV).status == Job.Status.SUCCEEDED
    assert refreshes.count() == 1
