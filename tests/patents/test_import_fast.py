"""The import's fast paths give exactly what the plain ones give: cached normalisation, one-pass hashes,
rows written with SQL (executemany on SQLite, binary COPY on PostgreSQL: the suite runs on both) and
normalisation in a worker process."""

from __future__ import annotations

import json
import logging
import multiprocessing
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from ipops.core.jobs import result_path
from ipops.core.models import Job
from ipops.patents.importers import blocks, normalise, pipeline
from ipops.patents.importers.base import Problem, SourceRow
from ipops.patents.importers.loader import PATENT_FIELDS
from ipops.patents.importers.normalise import (
    HASH_VERSION,
    CleanRecord,
    RowNormaliser,
    legacy_content_hash,
    normalise_row,
    record_hashes,
)
from ipops.patents.importers.pipeline import load_mapping
from ipops.patents.importers.tabular_parsers import TabularParser
from ipops.patents.models import Applicant, Classification, ImportBatch, Patent, PatentApplicant
from tests.patents.test_import import (
    CNIPA_CSV,
    CNIPA_XLSX,
    GAZETTE,
    cnipa_rows,
    new_rows_ending_in_a_failure,
    report_rows,
    run,
    state,
    write_csv,
)

pytestmark = pytest.mark.django_db


def problem_file(tmp_path: Path) -> Path:
    """The sample with rows of every kind of problem, duplicates and conflicts, plus the sample itself."""
    header, rows = cnipa_rows()
    col = {name: header.index(name) for name in header}
    bad = [list(r) for r in rows[:8]]
    bad[0][col["名称"]] = ""
    bad[1][col["申请号"]] = "CN201220249771.9"
    bad[2][col["申请号"]] = "2.01E+12"
    bad[3][col["申请日"]] = "2012.02.30"
    bad[4][col["公开（公告）号"]], bad[4][col["申请号"]] = "XX", "12345"
    bad[5][col["分类号"]] = "=HYPERLINK(1);E01B3/40(2006.01)I"
    conflicting = list(rows[7])
    conflicting[col["名称"]] = "不同的名称"
    return write_csv(tmp_path / "mixed.csv", header, [*bad, list(rows[6]), conflicting, *rows[8:]])


def parsed(path: Path, mapping: str = "") -> list[SourceRow | Problem]:
    return list(TabularParser(path, mapping=load_mapping(mapping)[1] if mapping else None).rows())


def test_the_cached_normaliser_gives_what_the_plain_one_gives(tmp_path: Path) -> None:
    sources = [
        (CNIPA_CSV, ""),
        (CNIPA_XLSX, ""),
        (problem_file(tmp_path), ""),
        *(
            (path, "cnipa-gazette")
            for path in sorted(GAZETTE.glob("*_709_excerpt150.csv"))
            if "design" not in path.name
        ),
        (GAZETTE / "CN_patent_appearance_designed_709_excerpt150.csv", "cnipa-gazette-design"),
    ]
    cached = RowNormaliser()
    for path, mapping in sources:
        rows = [r for r in parsed(path, mapping) if isinstance(r, SourceRow)]
        plain = [normalise_row(r) for r in rows]
        for _round in range(2):  # the second time every cache hits
            assert [cached(r) for r in rows] == plain, path.name
    stats = cached.cache_stats()
    assert stats["address"][0] > 0 and stats["applicants"][0] > 0 and stats["classes"][0] > 0


def record(**fields: Any) -> CleanRecord:
    base: dict[str, Any] = {"title": "一种轨枕", "country": "CN", "pub_number": "CN202644312U", "extra": {}}
    return CleanRecord(line=2, key="pub:CN202644312U", fields=base | fields)


def hashes(rec: CleanRecord) -> tuple[str, str]:
    return record_hashes(rec.fields, rec.applicants, rec.ipc)


def test_record_hashes_are_the_ones_stored_by_earlier_imports() -> None:
    """The hash's bytes are HASH_VERSION's: values computed by the implementation that stored them."""
    fields = {
        "country": "CN",
        "pub_number": "CN202644312U",
        "title": "一种轨枕",
        "app_date": date(2012, 5, 30),
        "pub_date": None,
        "abstract": "摘要\n第二行",
        "extra": {"数据来源": "样本", "备注": "x", "n": 3},
        "kind": "U",
        "zz": [1, "二"],
    }
    applicants = [normalise.ApplicantName("甲公司", "甲公司", "甲公司", "company")]
    ipc = [("E01B 3/40", "E01B", "2006.01", True), ("E01B 3/28", "E01B", "", False)]
    assert HASH_VERSION == "v2"
    assert record_hashes(fields, applicants, ipc) == (
        "v2a83c112b9a32c4d9a5c6038d5835d70f04e02409ff47f8cc40bcd4d0b1c659",
        "v28e722ee78957bbc36f88f8e1cfcac7208b8cc296d383230cec9a4fccda9ed6",
    )
    no_extra = "v23859114fd4108b6fd0064767259c54d200ac26cce18bee7251022606d9db5e"
    assert record_hashes({"title": "t", "app_number": "CN2012202497674"}, [], []) == (no_extra, no_extra)
    assert record_hashes({"title": "t", "extra": {}}, [], []) == (
        "v2ee3a711b03e7ef64897428afdeb78234d4e1d4c99b8dbf67aa0132a464f978",
        "v237d1b9afd9a49af72c81c365e1668ac743b8822e7904643debc6541b9adc87",
    )


def test_record_hashes_see_every_change_and_nothing_else() -> None:
    content, core = hashes(record())
    assert content.startswith(HASH_VERSION) and len(content) == len(core) == 64
    assert hashes(record()) == (content, core)
    for change in ({"title": "一种轨"}, {"abstract": "x"}, {"app_date": date(2012, 5, 31)}, {"kind": "U"}):
        assert hashes(record(**change))[1] != core, change
    # where one field ends and the next begins is part of the content
    assert hashes(record(title="ab", abstract="c"))[1] != hashes(record(title="a", abstract="bc"))[1]
    assert hashes(record(inventors="张三;李四"))[1] != hashes(record(applicants_text="张三;李四"))[1]
    with_extra = hashes(record(extra={"专利号": "CN201220249767.4"}))
    assert with_extra[1] == core and with_extra[0] != content  # unmapped columns: content, not core
    applicant = normalise.ApplicantName("南通公司", "南通公司", "南通公司", "enterprise")
    assert hashes(replace(record(), applicants=[applicant]))[1] != core
    assert hashes(replace(record(), ipc=[("E01B 3/32", "E01B", "", True)]))[1] != core
    assert (
        hashes(replace(record(), ipc=[("E01B 3/32", "E01B", "", False)]))[1]
        != hashes(replace(record(), ipc=[("E01B 3/32", "E01B", "", True)]))[1]
    )


def stored() -> dict[str, Any]:
    """Everything an import stored, without ids and times."""
    patents = {
        p["pub_number"] or p["app_number"]: p
        for p in Patent.objects.values(
            *PATENT_FIELDS, "content_hash", "dataset__name", "last_import__file_name"
        )
    }
    links = sorted(
        PatentApplicant.objects.values_list("patent__pub_number", "position", "applicant__key", "raw_name")
    )
    classes = sorted(
        Classification.objects.values_list(
            "patent__pub_number", "scheme", "code", "subclass", "version", "is_main", "position"
        )
    )
    applicants = sorted(Applicant.objects.values_list("key", "name", "kind"))
    return {"patents": patents, "links": links, "classes": classes, "applicants": applicants}


def outcome(job: Job) -> dict[str, Any]:
    assert job.status == Job.Status.SUCCEEDED, job.error
    return {"result": job.result | {"batch": ""}, "report": report_rows(job), "stored": stored()}


def with_workers(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 7)  # many chunks in flight even for a small file
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 3000)  # and many blocks of a CSV file
    monkeypatch.setenv("IPOPS_IMPORT_WORKERS", str(workers))


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_give_the_same_import(
    region: dict,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    workers: int,
) -> None:
    path = problem_file(tmp_path)
    monkeypatch.setenv("IPOPS_IMPORT_WORKERS", "0")
    with transaction.atomic():
        in_process = outcome(run(region, path, dataset="样本"))
        transaction.set_rollback(True)
    assert (in_process["result"]["rejected"], in_process["result"]["created"]) == (3, 197)
    with_workers(monkeypatch, workers)
    with caplog.at_level(logging.INFO, logger="ipops.patents.importers.pipeline"):
        parallel = outcome(run(region, path, dataset="样本"))
    assert parallel == in_process
    stats = [r.import_stats for r in caplog.records if hasattr(r, "import_stats")][-1]
    assert stats["workers"] == workers and stats["caches"]["address"]["hits"] > 0
    assert not multiprocessing.active_children()
    # and again: everything unchanged
    again = run(region, path, dataset="样本")
    assert (again.result["created"], again.result["updated"], again.result["unchanged"]) == (0, 0, 197)


def test_a_failure_in_a_worker_rolls_everything_back(
    region: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(region, CNIPA_CSV)
    before, hashes_before = state(), dict(Patent.objects.values_list("pub_number", "content_hash"))
    header, rows = cnipa_rows()
    address = header.index("地址")
    rows = [list(r) for r in rows]
    rows[150][address] = "BOOM"
    real = normalise.region_of

    def region_of(text: str) -> tuple[str, str, str, str]:
        if text == "BOOM":
            raise RuntimeError("the address normaliser crashed")
        return real(text)

    monkeypatch.setattr(normalise, "region_of", region_of)  # inherited by the forked worker
    with_workers(monkeypatch, 1)
    for row in rows[:100]:
        row[header.index("名称")] += "（修改）"
    job = run(region, write_csv(tmp_path / "crash.csv", header, rows))
    assert job.status == Job.Status.FAILED and "the address normaliser crashed" in job.error
    assert (
        state() == before and dict(Patent.objects.values_list("pub_number", "content_hash")) == hashes_before
    )
    assert not ImportBatch.objects.filter(file_name="crash.csv").exists() and result_path(job) is None
    assert not multiprocessing.active_children()


def test_a_database_failure_with_a_worker_rolls_everything_back(
    region: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(region, CNIPA_CSV)
    before = state()
    header, rows = cnipa_rows()
    title = header.index("名称")
    new_rows = new_rows_ending_in_a_failure(rows, title)
    with_workers(monkeypatch, 1)
    job = run(region, write_csv(tmp_path / "big.csv", header, new_rows))
    assert job.status == Job.Status.FAILED and "disk full" in job.error
    assert state() == before and not ImportBatch.objects.filter(file_name="big.csv").exists()
    assert not multiprocessing.active_children()


def test_rows_are_stored_as_the_orm_stores_them(region: dict, tmp_path: Path) -> None:
    header, rows = cnipa_rows()
    col = {name: header.index(name) for name in header}
    no_pub = list(rows[0])
    no_pub[col["公开（公告）号"]] = ""
    job = run(region, write_csv(tmp_path / "sample.csv", header, [no_pub, *rows[1:]]), dataset="样本")
    assert job.result["created"] == 199
    clean = {
        (r.fields.get("pub_number") or r.fields["app_number"]): r
        for r in (normalise_row(row)[0] for row in parsed(tmp_path / "sample.csv"))
        if r is not None
    }
    batch = ImportBatch.objects.get(pk=job.result["batch"])
    for patent in Patent.objects.select_related("dataset", "last_import"):
        record = clean[patent.number]
        for name in PATENT_FIELDS:
            expected = record.fields.get(name)
            if expected is None and name not in ("pub_number", "app_date", "pub_date", "grant_date"):
                expected = "" if name != "extra" else {}
            assert getattr(patent, name) == expected, (patent.number, name)
        assert patent.content_hash == record.content_hash
        assert patent.created_at == patent.updated_at and patent.created_at >= batch.created_at
        assert (patent.dataset.name, patent.last_import) == ("样本", batch)
    app_only = Patent.objects.get(pub_number__isnull=True)
    assert app_only.app_number == clean[app_only.app_number].fields["app_number"]
    assert Patent.objects.filter(extra__专利号=rows[1][col["专利号"]]).count() == 1  # JSON, not text
    assert all(a.created_at and a.kind for a in Applicant.objects.all())
    assert PatentApplicant.objects.count() == sum(len(r.applicants) for r in clean.values())
    assert Classification.objects.count() == sum(len(r.ipc) for r in clean.values())
    design = run(
        region, GAZETTE / "CN_patent_appearance_designed_709_excerpt150.csv", mapping="cnipa-gazette-design"
    )
    assert design.status == Job.Status.SUCCEEDED
    locarno = Classification.objects.get(patent__pub_number="CN305246987S")
    assert (locarno.scheme, locarno.code, locarno.is_main, locarno.position) == ("locarno", "01-01", True, 0)


def test_a_record_known_by_its_application_number_is_updated_when_published(
    region: dict, tmp_path: Path
) -> None:
    header, rows = cnipa_rows()
    col = {name: header.index(name) for name in header}
    mapping = tmp_path / "apps.json"
    mapping.write_text(
        json.dumps({"title": "名称", "app_number": "申请号"}, ensure_ascii=False), encoding="utf-8"
    )
    run(region, CNIPA_CSV, mapping=str(mapping))
    first = Patent.objects.get(app_number="CN2012202497674")
    assert first.pub_number is None and Patent.objects.filter(pub_number__isnull=True).count() == 199
    job = run(region, write_csv(tmp_path / "published.csv", header, rows[:3]))
    assert (job.result["created"], job.result["updated"]) == (0, 3), job.result
    published = Patent.objects.get(pk=first.pk)
    assert published.pub_number == rows[0][col["公开（公告）号"]] and published.updated_at > first.updated_at
    assert published.applicants.count() == 1


@pytest.mark.parametrize("workers", [0, 1])
def test_records_stored_with_the_earlier_hash_are_unchanged_when_the_same(
    region: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    run(region, CNIPA_CSV)
    with_workers(monkeypatch, workers)
    with connection.cursor() as cursor:  # as an import before the hash version stored them
        for row in parsed(CNIPA_CSV):
            clean = normalise_row(row)[0]
            assert clean is not None
            cursor.execute(
                "UPDATE patents_patent SET content_hash = %s WHERE pub_number = %s",
                [legacy_content_hash(clean), clean.fields["pub_number"]],
            )
    times = dict(Patent.objects.values_list("pub_number", "updated_at"))
    job = run(region, CNIPA_CSV)
    assert (job.result["created"], job.result["updated"], job.result["unchanged"]) == (0, 0, 199)
    assert dict(Patent.objects.values_list("pub_number", "updated_at")) == times
    header, rows = cnipa_rows()
    rows[0][header.index("名称")] = "一种改进的钢筋混凝土轨枕"
    job = run(region, write_csv(tmp_path / "newer.csv", header, rows))
    assert (job.result["updated"], job.result["unchanged"]) == (1, 198)
    changed = Patent.objects.get(pub_number=rows[0][1])
    assert changed.content_hash.startswith(HASH_VERSION) and changed.title == "一种改进的钢筋混凝土轨枕"


def test_worker_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline.sys, "platform", "linux")
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    monkeypatch.delenv("IPOPS_IMPORT_WORKERS", raising=False)
    assert pipeline.import_workers() == 1
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 1)
    assert pipeline.import_workers() == 0
    for value, expected in (("3", 3), ("0", 0), ("many", 0)):
        monkeypatch.setenv("IPOPS_IMPORT_WORKERS", value)
        assert pipeline.import_workers() == expected
    monkeypatch.setattr(pipeline.sys, "platform", "darwin")  # no fork there: normalise in the main process
    assert pipeline.import_workers() == 0


def test_xlsx_and_uspto_xml_through_a_worker(
    region: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    samples = Path(__file__).resolve().parents[1] / "fixtures" / "uspto_xml"
    bulk = tmp_path / "ipg-weekly.xml"
    bulk.write_bytes(b"".join(p.read_bytes() for p in sorted(samples.glob("US*.xml"))))
    with transaction.atomic():
        in_process = [outcome(run(region, CNIPA_XLSX)), outcome(run(region, bulk))]
        transaction.set_rollback(True)
    with_workers(monkeypatch, 1)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    with caplog.at_level(logging.INFO, logger="ipops.patents.importers.pipeline"):
        assert [outcome(run(region, CNIPA_XLSX)), outcome(run(region, bulk))] == in_process
    assert [r.import_stats["workers"] for r in caplog.records if hasattr(r, "import_stats")][-2:] == [1, 1]
    assert in_process[1]["result"]["format"] == "uspto-xml" and in_process[1]["result"]["created"] >= 2


@pytest.mark.django_db(transaction=True)
def test_import_connection_settings_last_only_as_long_as_the_import(region: dict) -> None:
    """SQLite: no automatic checkpoint while the import writes, the usual one again once the job's end is
    recorded. PostgreSQL: foreign keys checked as rows arrive during the import, deferred again after it."""
    job = run(region, CNIPA_CSV)
    assert job.status == Job.Status.SUCCEEDED and Patent.objects.count() == 199
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone()[0] == 1000
        else:  # a dangling link is refused at commit (deferred), not at the INSERT (immediate)
            with pytest.raises(Exception, match="foreign key"), transaction.atomic():
                cursor.execute(
                    "INSERT INTO patents_classification (patent_id, scheme, code, subclass, version, "
                    "is_main, position) VALUES (gen_random_uuid(), 'ipc', 'A01B1/00', 'A01B', '', "
                    "true, 0)"
                )
                inserted = True  # reached only when the check is deferred to the commit
            assert inserted
    assert Classification.objects.filter(code="A01B1/00").count() == 0
