"""The derived Parquet store: full and incremental refresh against the database, atomicity, the command
and the background job."""

from __future__ import annotations

import fcntl
import io
import os
import uuid
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from ipops.core.jobs import HANDLERS, execute_job
from ipops.core.models import Job
from ipops.corpus import query
from ipops.corpus.store import (
    BUCKETS,
    LOCK,
    MANIFEST,
    REFRESH_JOB_KIND,
    SCHEMA_VERSION,
    RefreshBusyError,
    bucket_bounds,
    bucket_of,
    read_manifest,
    refresh,
    relative_file,
    temp_path,
)
from ipops.patents.models import Applicant, Classification, Dataset, Patent, PatentApplicant

from .conftest import Corpus, file_states, make_corpus, manifest_files, snapshot_rows

pytestmark = pytest.mark.django_db


def db_counts() -> dict[str, int]:
    return {
        "patents": Patent.objects.count(),
        "applicants": PatentApplicant.objects.count(),
        "classifications": Classification.objects.count(),
    }


def view_counts(root: Path) -> dict[str, int]:
    con = query.connect(root)
    try:
        return {
            name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            for name in ("patents", "applicants", "classifications")
        }
    finally:
        con.close()


def rebuilt_elsewhere(tmp_path: Path) -> dict[str, list[tuple]]:
    """The rows a full rebuild from the database gives, in a separate store."""
    other = tmp_path / "rebuilt"
    refresh(full=True, root=other)
    return snapshot_rows(other)


def test_full_refresh_matches_the_database(store: Path, corpus: Corpus) -> None:
    result = refresh(full=True)

    assert result.mode == "full"
    assert result.rows == db_counts() == view_counts(store)
    assert result.rows_written == sum(db_counts().values())
    assert result.buckets_touched == list(range(BUCKETS))
    manifest = read_manifest(store)
    assert manifest is not None
    assert (manifest.generation, manifest.mode, manifest.schema_version) == (1, "full", SCHEMA_VERSION)
    assert manifest.rows == db_counts()
    assert len(manifest.files()) == 3 * BUCKETS and all((store / f).is_file() for f in manifest.files())
    assert not list(store.rglob("*.tmp"))

    # row content, read back through DuckDB
    patent = corpus.patents[7]
    con = query.connect(store)
    row = con.execute(
        "SELECT title, abstract, app_date, app_year, main_ipc, main_subclass, legal_status, dataset, synthetic, "
        "bucket, updated_at FROM patents WHERE id = ?",
        [str(patent.pk)],
    ).fetchone()
    patent.refresh_from_db()
    assert row[:9] == (
        patent.title,
        patent.abstract,
        patent.app_date,
        patent.app_date.year,
        patent.main_ipc,
        patent.main_ipc[:4],
        patent.legal_status,
        patent.dataset.name,
        patent.dataset.synthetic,
    )
    assert row[9] == bucket_of(patent.pk)
    assert row[10] == patent.updated_at
    links = con.execute(
        "SELECT applicant_id, position, name, raw_name, key FROM applicants WHERE patent_id = ? ORDER BY position",
        [str(patent.pk)],
    ).fetchall()
    assert links == [
        (str(link.applicant_id), link.position, link.applicant.name, link.raw_name, link.applicant.key)
        for link in PatentApplicant.objects.filter(patent=patent)
        .select_related("applicant")
        .order_by("position")
    ]
    classes = con.execute(
        "SELECT code, subclass, is_main, position FROM classifications WHERE patent_id = ? ORDER BY position",
        [str(patent.pk)],
    ).fetchall()
    assert classes == list(
        Classification.objects.filter(patent=patent)
        .order_by("position")
        .values_list("code", "subclass", "is_main", "position")
    )


def test_bucket_ranges_put_every_id_in_its_bucket(store: Path, db: None) -> None:
    """Ids on the edges of the id ranges land in the bucket `bucket_of` names (SQLite hex text and
    PostgreSQL uuid order the same way), each exactly once."""
    edges = {uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1)}
    for bucket in (1, 7, 32, 63):
        lo, _hi = bucket_bounds(bucket)
        edges |= {lo, uuid.UUID(int=lo.int - 1), uuid.UUID(int=lo.int + 1)}
    Patent.objects.bulk_create(
        [
            Patent(id=pk, pub_number=f"CN{i}", title="edge", content_hash="x")
            for i, pk in enumerate(sorted(edges))
        ]
    )
    refresh(full=True)
    con = query.connect(store)
    rows = con.execute("SELECT id, bucket FROM patents").fetchall()
    assert sorted(rows) == sorted((str(pk), bucket_of(pk)) for pk in edges)
    assert bucket_of(uuid.UUID(int=0)) == 0 and bucket_of(uuid.UUID(int=(1 << 128) - 1)) == BUCKETS - 1


def change_three_delete_one(corpus: Corpus) -> tuple[set[str], str]:
    """Three patents change (a field, the legal status, the classifications), one is deleted."""
    first, second, third, gone = corpus.patents[3], corpus.patents[11], corpus.patents[25], corpus.patents[40]
    first.title = "一种改过标题的装置"
    first.save()
    second.legal_status = "invalidated"
    second.save()
    Classification.objects.filter(patent=third).delete()
    Classification.objects.create(patent=third, code="B33Y 10/00", subclass="B33Y", is_main=True)
    third.save()  # the writer's contract: touching links bumps the patent's updated_at
    gone_id = str(gone.pk)
    gone.delete()
    return {str(first.pk), str(second.pk), str(third.pk)}, gone_id


@pytest.mark.parametrize("compact_fraction", [0.0, 100.0], ids=["compacting", "delta"])
def test_incremental_refresh_rewrites_only_touched_buckets(
    store: Path, corpus: Corpus, tmp_path: Path, compact_fraction: float
) -> None:
    refresh(full=True)
    before_manifest = read_manifest(store)
    assert before_manifest is not None
    before_files = file_states(store)
    changed, gone = change_three_delete_one(corpus)
    expected_buckets = sorted({bucket_of(pk) for pk in changed | {gone}})

    result = refresh(compact_fraction=compact_fraction)

    assert result.mode == "incremental"
    assert result.buckets_touched == expected_buckets
    assert (result.changed, result.deleted) == (3, 1)
    assert result.buckets_compacted == (expected_buckets if compact_fraction == 0.0 else [])
    manifest = read_manifest(store)
    assert manifest is not None and manifest.generation == 2
    for name, state in manifest.buckets.items():
        if int(name) in expected_buckets:
            assert state.generation == 2 and state != before_manifest.buckets[name]
        else:
            assert state == before_manifest.buckets[name]
    after_files = file_states(store)
    touched_dirs = {f"bucket={b:02d}" for b in expected_buckets}
    untouched = {f for f in before_files if "/" in f and f.split("/")[1] not in touched_dirs}
    assert untouched and all(after_files[f] == before_files[f] for f in untouched)
    new_files = set(after_files) - set(before_files) - {MANIFEST}
    assert new_files and all(int(f.split("/")[1][len("bucket=") :]) in expected_buckets for f in new_files)
    # the files of the previous generation are kept for readers that opened it (retired, not deleted)
    assert set(manifest.retired) == before_manifest.files() - manifest.files()

    assert manifest.rows == db_counts() == view_counts(store)
    assert snapshot_rows(store) == rebuilt_elsewhere(tmp_path)


def test_deltas_on_deltas_still_equal_a_full_rebuild(store: Path, corpus: Corpus, tmp_path: Path) -> None:
    refresh(full=True)
    changed, _gone = change_three_delete_one(corpus)
    refresh(compact_fraction=100.0)  # deltas
    again = Patent.objects.get(pk=sorted(changed)[0])  # already in a delta: changes again
    again.title = "第二次修改"
    again.save()
    Patent.objects.filter(pk=sorted(changed)[1]).delete()  # in a delta: now deleted
    Patent.objects.filter(pk=corpus.patents[50].pk).delete()
    new = Patent.objects.create(title="新专利", content_hash="x")
    PatentApplicant.objects.create(patent=new, applicant=corpus.applicants[0], raw_name="新")

    result = refresh(compact_fraction=100.0)

    assert result.deleted == 2 and result.changed == 2
    manifest = read_manifest(store)
    assert manifest is not None and any(state.delta for state in manifest.buckets.values())
    assert manifest.rows == db_counts() == view_counts(store)
    assert snapshot_rows(store) == rebuilt_elsewhere(tmp_path)
    # and a later compaction of the same buckets gives the same rows again
    Patent.objects.filter(pk=new.pk).update(title="压实")
    Patent.objects.get(pk=new.pk).save()
    refresh(compact_fraction=0.0)
    assert snapshot_rows(store) == rebuilt_elsewhere(tmp_path / "again")


def test_a_second_delta_in_a_bucket_keeps_the_first_ones_superseded(
    store: Path, corpus: Corpus, tmp_path: Path
) -> None:
    by_bucket: dict[int, list[Patent]] = {}
    for patent in corpus.patents:
        by_bucket.setdefault(bucket_of(patent.pk), []).append(patent)
    first, second = next(group for group in by_bucket.values() if len(group) >= 2)[:2]
    refresh(full=True)
    first.title = "第一次"
    first.save()
    assert refresh(compact_fraction=100.0).buckets_touched == [bucket_of(first.pk)]
    second.title = "第二次"
    second.save()

    result = refresh(compact_fraction=100.0)

    assert result.buckets_touched == [bucket_of(first.pk)] and result.buckets_compacted == []
    manifest = read_manifest(store)
    assert manifest is not None
    state = manifest.buckets[f"{bucket_of(first.pk):02d}"]
    superseded = pq.read_table(store / state.superseded).column("patent_id").to_pylist()
    assert sorted(superseded) == sorted([str(first.pk), str(second.pk)])
    assert snapshot_rows(store) == rebuilt_elsewhere(tmp_path)


def test_incremental_refresh_with_no_change_writes_nothing(store: Path, corpus: Corpus) -> None:
    refresh(full=True)
    corpus.patents[5].save()  # a change inside the watermark's overlap window …
    refresh(compact_fraction=100.0)
    before = file_states(store)  # … which the next refresh sees again, compares, and leaves alone

    result = refresh()

    assert (result.rows_written, result.files_written, result.buckets_touched) == (0, 0, [])
    assert result.reason == "no changes"
    assert file_states(store) == before


def test_applicant_and_dataset_changes_reach_the_snapshot(
    store: Path, corpus: Corpus, tmp_path: Path
) -> None:
    """A renamed applicant or dataset changes rows of patents whose own updated_at did not move."""
    refresh(full=True)
    applicant = corpus.applicants[2]
    applicant.name = "改名后的公司"
    applicant.save()
    dataset = Dataset.objects.get(name="synthetic")
    dataset.name = "synthetic-renamed"
    dataset.save()
    linked = {
        str(pk)
        for pk in PatentApplicant.objects.filter(applicant=applicant).values_list("patent_id", flat=True)
    }
    in_dataset = {str(pk) for pk in Patent.objects.filter(dataset=dataset).values_list("id", flat=True)}

    result = refresh(compact_fraction=100.0)

    assert result.buckets_touched == sorted({bucket_of(pk) for pk in linked | in_dataset})
    con = query.connect(store)
    renamed = con.execute("SELECT count(*) FROM applicants WHERE name = '改名后的公司'").fetchone()[0]
    assert renamed == len(linked) > 0
    assert con.execute("SELECT count(*) FROM patents WHERE dataset = 'synthetic-renamed'").fetchone()[
        0
    ] == len(in_dataset)
    assert snapshot_rows(store) == rebuilt_elsewhere(tmp_path)


def test_applicant_merge_and_split_without_timestamps_reach_the_snapshot(
    store: Path, corpus: Corpus, tmp_path: Path
) -> None:
    """What `merge_applicants` and `split_applicant` do: links move with QuerySet.update() (no patent's
    updated_at moves), merged applicants are deleted, a split creates a new one."""
    refresh(full=True)
    target, merged, split_from = corpus.applicants[0], corpus.applicants[1], corpus.applicants[2]
    PatentApplicant.objects.filter(applicant=merged).update(applicant=target)
    merged.delete()
    new = Applicant.objects.create(name="拆分出的公司", key="split-new")
    moved = PatentApplicant.objects.filter(applicant=split_from).order_by("patent_id")[:2]
    PatentApplicant.objects.filter(pk__in=[link.pk for link in moved]).update(applicant=new)

    refresh(compact_fraction=100.0)

    con = query.connect(store)
    assert (
        con.execute("SELECT count(*) FROM applicants WHERE applicant_id = ?", [str(merged.pk)]).fetchone()[0]
        == 0
    )
    assert (
        con.execute("SELECT count(*) FROM applicants WHERE applicant_id = ?", [str(new.pk)]).fetchone()[0]
        == 2
    )
    assert snapshot_rows(store) == rebuilt_elsewhere(tmp_path)


@pytest.mark.parametrize("mode", ["full", "incremental"])
def test_a_refresh_failing_part_way_leaves_the_previous_snapshot(
    store: Path, corpus: Corpus, mode: str
) -> None:
    refresh(full=True)
    before = file_states(store)
    rows_before = snapshot_rows(store)
    # changes in two buckets; the refresh will die writing the later one, after the earlier is written
    early, late = sorted(corpus.patents[:20], key=lambda p: bucket_of(p.pk))[::19]
    assert bucket_of(early.pk) < bucket_of(late.pk)
    for patent in (early, late):
        patent.title = "改了"
        patent.save()
    kind = "base" if mode == "full" else "delta"
    doomed = store / relative_file("classifications", bucket_of(late.pk), kind, 2)
    temp_path(doomed).mkdir(parents=True)  # a directory where the file must go: fails even for root
    seen: list[int] = []

    with pytest.raises(OSError):
        refresh(
            full=mode == "full", compact_fraction=100.0, progress=lambda done, total, msg: seen.append(done)
        )

    assert seen and max(seen) == bucket_of(late.pk)  # every bucket before the failing one was done
    assert file_states(store) == before  # manifest and every file of the snapshot as they were
    assert snapshot_rows(store) == rows_before  # still readable, still the old titles
    assert query.count_patents(con=query.connect(store)) == len(corpus.patents)
    leftovers = {p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file()} - set(before)
    assert leftovers == set()  # the failed refresh removed what it had written

    temp_path(doomed).rmdir()
    result = refresh(full=mode == "full", compact_fraction=100.0)
    assert result.generation == 2
    con = query.connect(store)
    assert con.execute("SELECT count(*) FROM patents WHERE title = '改了'").fetchone()[0] == 2


def test_a_reader_keeps_its_snapshot_while_a_refresh_replaces_files(store: Path, corpus: Corpus) -> None:
    refresh(full=True)
    reader = query.connect(store)
    title = corpus.patents[9].title
    corpus.patents[9].title = "新标题"
    corpus.patents[9].save()

    result = refresh(compact_fraction=0.0)  # compaction: the bucket's base file is replaced

    assert result.buckets_compacted == [bucket_of(corpus.patents[9].pk)]
    sql = "SELECT title FROM patents WHERE id = ?"
    assert reader.execute(sql, [str(corpus.patents[9].pk)]).fetchone() == (title,)  # the old generation
    assert reader.execute("SELECT count(*) FROM patents").fetchone() == (len(corpus.patents),)
    assert query.connect(store).execute(sql, [str(corpus.patents[9].pk)]).fetchone() == ("新标题",)


def test_leftovers_of_a_crash_are_collected_and_retired_files_expire(store: Path, corpus: Corpus) -> None:
    refresh(full=True)
    crashed = store / relative_file("patents", 5, "delta", 9)
    crashed.parent.mkdir(parents=True, exist_ok=True)
    crashed.write_bytes(b"half a file")
    temp_path(crashed).write_bytes(b"half a file")
    corpus.patents[0].save()
    Patent.objects.filter(pk=corpus.patents[1].pk).delete()

    refresh(retire_seconds=3600)
    manifest = read_manifest(store)
    assert manifest is not None and manifest.retired
    on_disk = {p.relative_to(store).as_posix() for p in store.rglob("*.parquet*")}
    assert on_disk == manifest.files() | set(manifest.retired)  # the crash's files are gone

    corpus.patents[2].save()
    refresh(retire_seconds=0)
    manifest = read_manifest(store)
    assert manifest is not None and manifest.retired == {}
    assert {p.relative_to(store).as_posix() for p in store.rglob("*.parquet*")} == manifest_files(store)


def test_a_store_that_cannot_be_created_fails_without_a_snapshot(
    tmp_path: Path, settings, corpus: Corpus
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.IPOPS_DERIVED_PARQUET_DIR = blocker / "parquet"
    with pytest.raises(OSError):
        refresh(full=True)
    with pytest.raises(query.SnapshotMissingError):
        query.connect()


def test_one_refresh_at_a_time(store: Path, corpus: Corpus) -> None:
    refresh(full=True)
    fd = os.open(store / LOCK, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(RefreshBusyError):
            refresh()
    finally:
        os.close(fd)
    assert refresh().reason == "no changes"


def test_a_schema_change_forces_a_full_refresh(store: Path, corpus: Corpus) -> None:
    refresh(full=True)
    path = store / MANIFEST
    path.write_text(path.read_text().replace(f'"schema_version": {SCHEMA_VERSION}', '"schema_version": 0'))
    result = refresh()
    assert (result.mode, result.reason) == ("full", "schema or bucket count changed")


def test_first_refresh_is_full_and_files_are_readable_parquet(store: Path, corpus: Corpus) -> None:
    result = refresh()
    assert (result.mode, result.reason) == ("full", "no snapshot yet")
    for relative in manifest_files(store):
        assert pq.ParquetFile(store / relative).metadata.num_columns > 0


def test_refresh_derived_command(store: Path, corpus: Corpus) -> None:
    out = io.StringIO()
    call_command("refresh_derived", stdout=out)
    assert f"{sum(db_counts().values())} rows written" in out.getvalue()
    assert f"{BUCKETS} buckets touched" in out.getvalue()

    out = io.StringIO()
    call_command("refresh_derived", stdout=out)
    assert "incremental refresh (no changes)" in out.getvalue() and " 0 rows written" in out.getvalue()

    corpus.patents[0].save()
    out = io.StringIO()
    call_command("refresh_derived", stdout=out)
    assert "incremental refresh" in out.getvalue() and ", 1 buckets touched" in out.getvalue()

    out = io.StringIO()
    call_command("refresh_derived", "--full", stdout=out)
    assert "full refresh (requested)" in out.getvalue()
    assert read_manifest(store).generation == 3  # the no-change refresh made no generation


def test_refresh_job_is_read_only_and_reports_progress(store: Path, corpus: Corpus) -> None:
    assert HANDLERS[REFRESH_JOB_KIND].writes is False
    job = Job.objects.create(kind=REFRESH_JOB_KIND, params={"full": True})

    job = execute_job(str(job.pk))

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.done, job.total) == (BUCKETS, BUCKETS)
    assert job.result["mode"] == "full" and job.result["rows"] == db_counts()
    assert view_counts(store) == db_counts()


def test_big_change_sets_fall_back_to_a_full_refresh(store: Path, db: None) -> None:
    """Past a share of the corpus, comparing candidates is dearer than rebuilding."""
    make_corpus(n=30)
    refresh(full=True)
    Patent.objects.update(app_date=date(2001, 1, 1))
    for patent in Patent.objects.all():
        patent.save()
    assert refresh(full_above=30).mode == "incremental"  # 30 candidates: not above the limit
    for patent in Patent.objects.all():
        patent.save()
    result = refresh(full_above=29)
    assert result.mode == "full" and result.reason.endswith("candidate changes")
    assert query.count_by_year(con=query.connect(store)) == [(2001, 30)]
