"""Import a patent file from the command line, as the import page does, and print a summary.

Exit 0 when the import ran (rejected rows are in the report), 2 when the file could not be imported at all.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ipops.accounts.models import User
from ipops.accounts.roles import Role
from ipops.core.jobs import execute_job, result_path
from ipops.core.models import Job
from ipops.patents import services
from ipops.patents.importers.pipeline import FORMATS
from ipops.patents.services import LEGAL_EVENTS_FORMAT


class Command(BaseCommand):
    help = (
        "Import patents from a CNIPA export (CSV/XLSX), USPTO full-text XML, or a mapped CSV/XLSX; "
        "or legal status and events for the patents held (--format legal-events)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="the file to import")
        parser.add_argument(
            "--format",
            choices=(*FORMATS, LEGAL_EVENTS_FORMAT),
            default="",
            help="detected from the file when omitted; legal-events: a legal-status feed (CNIPA legal-status "
            "table or USPTO PEDS JSON lines) onto the patents held",
        )
        parser.add_argument(
            "--mapping", default="", help="a saved mapping's name, or a JSON file {our_field: column}"
        )
        parser.add_argument(
            "--dataset", default="", help="name of the source shown with the records (provenance)"
        )
        parser.add_argument(
            "--status-as-of",
            default="",
            help="YYYY-MM-DD: when the file's legal statuses were current (export or gazette date; needs --dataset)",
        )
        parser.add_argument(
            "--user", default="", help="the operator account the import runs as (default: the first)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["path"])
        if not source.is_file():
            self.stderr.write(f"No such file: {source}")
            sys.exit(2)
        actor = self.operator(options["user"])
        try:
            status_as_of = date.fromisoformat(options["status_as_of"]) if options["status_as_of"] else None
        except ValueError:
            self.stderr.write(f"Not a date (YYYY-MM-DD): {options['status_as_of']}")
            sys.exit(2)
        try:
            job = services.start_import(
                actor=actor,
                path=services.keep_local_file(source),
                file_name=source.name,
                file_format=options["format"],
                mapping=options["mapping"],
                dataset=options["dataset"],
                status_as_of=status_as_of,
                enqueue=False,
            )
        except ValidationError as exc:
            self.stderr.write("; ".join(exc.messages))
            sys.exit(2)
        job = execute_job(str(job.pk))
        if job.status != Job.Status.SUCCEEDED:
            self.stderr.write(f"The file could not be imported: {job.error}")
            sys.exit(2)
        r = job.result
        self.stdout.write(
            f"rows read {r['rows_read']}, created {r['created']}, updated {r['updated']}, "
            f"unchanged {r['unchanged']}, rejected {r['rejected']}, warnings {r['warnings']}"
        )
        report = result_path(job)
        self.stdout.write(f"report: {report}")

    def operator(self, username: str) -> User:
        users = User.objects.filter(is_active=True, roles__role=Role.OPERATOR, organisation__status="active")
        if username:
            users = users.filter(username=username)
        user = users.order_by("date_joined").first()
        if user is None:
            raise CommandError("No active operator account to run the import as (see bootstrap_centre).")
        return user
