"""Rebuild the keyword index and the vectors from the database: `manage.py rebuild_index [--incremental]`.

Embedding resumes from the vector cache: stopping and running it again only embeds what is not cached."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ipops.core.jobs import start_job
from ipops.search import engine
from ipops.search.ipc_suggest.training import TRAIN_JOB_KIND, NothingToLearnError
from ipops.search.ipc_suggest.training import train as train_ipc
from ipops.search.services import REFRESH_JOB, start_embed


class Command(BaseCommand):
    help = "Rebuild the search index and vectors from the database (derived stores)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--incremental", action="store_true", help="only what changed since the last run")
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue the rebuild and the IPC suggester's training as jobs for the worker and return",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        last = [0.0]

        def report(done: int, total: int, message: str) -> None:
            if total and (done == total or done - last[0] >= max(total / 20, 1)):
                last[0] = done
                self.stderr.write(f"  {done}/{total} patents")

        if options["background"]:
            refresh = start_job(actor=None, kind=REFRESH_JOB, params={"full": not options["incremental"]})
            training = start_job(actor=None, kind=TRAIN_JOB_KIND)
            self.stdout.write(
                f"Queued for the job worker: search index {refresh.pk}, IPC suggester {training.pk}"
            )
            return
        run = engine.refresh if options["incremental"] else engine.rebuild
        try:
            result = run(progress=report)
        except engine.IndexBusyError as exc:
            raise CommandError("Another rebuild of the search index is running.") from exc
        r = result.as_dict()
        self.stdout.write(
            f"{r['mode']}: {r['indexed']} patents indexed, {r['deleted']} removed, "
            f"{r['embedded']} texts embedded, {r['seconds']} s"
        )
        if result.pending:
            job = start_embed(actor=None)
            self.stdout.write(
                f"{result.pending} patents wait for their vectors: embedding job {job.pk} queued"
            )
        if not options["incremental"]:
            try:
                meta = train_ipc()
            except NothingToLearnError as exc:
                self.stdout.write(str(exc))
            else:
                self.stdout.write(f"IPC suggester trained on {meta['patents']} patents")
