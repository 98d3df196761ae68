"""Bring the derived Parquet store up to date with the database (incremental unless --full)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ipops.corpus.store import RefreshBusyError, refresh, store_dir


class Command(BaseCommand):
    help = "Refresh the derived Parquet snapshot: only what changed since the last refresh, or all (--full)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="rebuild every bucket from the database")

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] > 1

        def report(done: int, total: int, message: str) -> None:
            if verbose:
                self.stderr.write(f"  {done}/{total} {message}")

        try:
            result = refresh(full=options["full"], progress=report)
        except RefreshBusyError as exc:
            raise CommandError(str(exc)) from exc
        touched = result.buckets_touched
        self.stdout.write(
            f"{result.mode} refresh ({result.reason or 'changes since the watermark'}) of {store_dir()}: "
            f"{result.rows_written} rows written in {result.files_written} files, "
            f"{len(touched)} buckets touched ({len(result.buckets_compacted)} compacted), "
            f"{result.changed} patents changed or new, {result.deleted} deleted, {result.seconds:.2f} s"
        )
        rows = ", ".join(f"{name} {count}" for name, count in result.rows.items())
        self.stdout.write(f"snapshot generation {result.generation}: {rows}; watermark {result.watermark}")
