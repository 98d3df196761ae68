"""Write clean records to the store in batches: insert new, update changed, leave unchanged alone.

Runs inside the import job's transaction. Records are keyed on the publication number, or on the
application number when the source has none; when both are present they are cross-checked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops.patents.importers.base import Problem
from ipops.patents.importers.normalise import CleanRecord
from ipops.patents.models import Applicant, Classification, Dataset, ImportBatch, Patent, PatentApplicant

PATENT_FIELDS = [
    "country", "pub_number", "app_number", "kind", "patent_type", "title", "title_en", "abstract", "first_claim",
    "app_date", "pub_date", "grant_date", "main_ipc", "locarno", "applicants_text", "inventors", "address",
    "applicant_country", "province_code", "city_code", "district_code", "agency", "agency_code", "agents",
    "priority", "legal_status", "extra",
]  # fmt: skip
UPDATE_FIELDS = [*PATENT_FIELDS, "content_hash", "dataset", "last_import", "updated_at"]


@dataclass
class Counts:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0


@dataclass
class Loader:
    batch: ImportBatch
    dataset: Dataset | None
    batch_size: int = 2000
    counts: Counts = field(default_factory=Counts)
    pending: list[CleanRecord] = field(default_factory=list)
    seen: dict[str, tuple[int, str]] = field(default_factory=dict)  # key → (line, content hash) in this file
    applicant_ids: dict[str, uuid.UUID] = field(default_factory=dict)

    def add(self, record: CleanRecord) -> list[Problem]:
        """Queue a record; a repeat of an earlier row of the same file is reported, not loaded twice."""
        earlier = self.seen.get(record.key)
        if earlier is not None:
            line, digest = earlier
            number = record.key.split(":", 1)[1]
            if digest == record.core_hash:
                return [
                    Problem(
                        record.line,
                        "pub_number",
                        number,
                        _("Same as line %(line)d; loaded once.") % {"line": line},
                        "warning",
                    )
                ]
            self.counts.rejected += 1
            return [
                Problem(
                    record.line,
                    "pub_number",
                    number,
                    _("Line %(line)d has the same number with different content; this row was not loaded.")
                    % {"line": line},
                )
            ]
        self.seen[record.key] = (record.line, record.core_hash)
        self.pending.append(record)
        if len(self.pending) >= self.batch_size:
            return self.flush()
        return []

    def flush(self) -> list[Problem]:
        records, self.pending = self.pending, []
        if not records:
            return []
        problems: list[Problem] = []
        by_pub = {r.fields["pub_number"]: r for r in records if r.fields.get("pub_number")}
        app_numbers = {r.fields["app_number"] for r in records if r.fields.get("app_number")}
        existing_by_pub: dict[str, tuple[Any, str, str]] = {}
        existing_app_only: dict[str, tuple[Any, str]] = {}
        query = Q(pub_number__in=list(by_pub))
        if app_numbers:
            query |= Q(pub_number__isnull=True, app_number__in=list(app_numbers))
        for pk, pub, app, digest in Patent.objects.filter(query).values_list(
            "id", "pub_number", "app_number", "content_hash"
        ):
            if pub:
                existing_by_pub[pub] = (pk, app, digest)
            else:
                existing_app_only[app] = (pk, digest)

        new: list[tuple[CleanRecord, uuid.UUID]] = []
        changed: list[tuple[CleanRecord, uuid.UUID]] = []
        for record in records:
            pub, app = record.fields.get("pub_number"), record.fields.get("app_number")
            found = existing_by_pub.get(pub) if pub else None
            if found is not None:
                pk, stored_app, digest = found
                if app and stored_app and app != stored_app:
                    self.counts.rejected += 1
                    problems.append(
                        Problem(
                            record.line,
                            "app_number",
                            app,
                            _("The stored record %(pub)s has application number %(stored)s, not this one.")
                            % {"pub": pub, "stored": stored_app},
                        )
                    )
                    continue
            elif app and app in existing_app_only:  # known by its application number: now published
                pk, digest = existing_app_only.pop(app)
            else:
                new.append((record, uuid.uuid4()))
                continue
            if digest == record.content_hash:
                self.counts.unchanged += 1
            else:
                changed.append((record, pk))

        self.resolve_applicants([r for r, _pk in new + changed])
        now = timezone.now()
        if new:
            Patent.objects.bulk_create([self.patent(r, pk) for r, pk in new], batch_size=1000)
            self.counts.created += len(new)
        if changed:
            patents = []
            for record, pk in changed:
                patent = self.patent(record, pk)
                patent.updated_at = now
                patents.append(patent)
            Patent.objects.bulk_update(patents, UPDATE_FIELDS, batch_size=500)
            changed_ids = [pk for _r, pk in changed]
            PatentApplicant.objects.filter(patent_id__in=changed_ids).delete()
            Classification.objects.filter(patent_id__in=changed_ids).delete()
            self.counts.updated += len(changed)
        self.write_links(new + changed)
        return problems

    def patent(self, record: CleanRecord, pk: uuid.UUID) -> Patent:
        values = {name: record.fields.get(name) for name in PATENT_FIELDS}
        for name in PATENT_FIELDS:
            if values[name] is None and name not in ("pub_number", "app_date", "pub_date", "grant_date"):
                values[name] = {} if name == "extra" else ""
        return Patent(
            id=pk, content_hash=record.content_hash, dataset=self.dataset, last_import=self.batch, **values
        )

    def resolve_applicants(self, records: list[CleanRecord]) -> None:
        wanted = {a.key: a for r in records for a in r.applicants if a.key not in self.applicant_ids}
        if not wanted:
            return
        for key, pk in Applicant.objects.filter(key__in=list(wanted)).values_list("key", "id"):
            self.applicant_ids[key] = pk
        missing = [a for key, a in wanted.items() if key not in self.applicant_ids]
        created = [Applicant(id=uuid.uuid4(), name=a.name, key=a.key, kind=a.kind) for a in missing]
        Applicant.objects.bulk_create(created, batch_size=1000)
        self.applicant_ids.update({a.key: a.id for a in created})

    def write_links(self, items: list[tuple[CleanRecord, uuid.UUID]]) -> None:
        links, classes = [], []
        for record, pk in items:
            seen_positions = set()
            for position, applicant in enumerate(record.applicants):
                seen_positions.add(position)
                links.append(
                    PatentApplicant(
                        patent_id=pk,
                        applicant_id=self.applicant_ids[applicant.key],
                        position=position,
                        raw_name=applicant.raw,
                    )
                )
            for position, (code, subclass, version, is_main) in enumerate(record.ipc):
                classes.append(
                    Classification(
                        patent_id=pk,
                        code=code,
                        subclass=subclass,
                        version=version,
                        is_main=is_main,
                        position=position,
                    )
                )
            if record.fields.get("locarno"):
                classes.append(
                    Classification(
                        patent_id=pk,
                        scheme=Classification.Scheme.LOCARNO,
                        code=record.fields["locarno"],
                        is_main=True,
                        position=len(record.ipc),
                    )
                )
        PatentApplicant.objects.bulk_create(links, batch_size=2000)
        Classification.objects.bulk_create(classes, batch_size=2000)
