"""Batch value scores of every patent held, vectorised over the Parquet snapshot."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ipops.corpus.query import SnapshotMissingError
from ipops.valuation.batch import score_table
from ipops.valuation.formulas.errors import ValuationInputError


class Command(BaseCommand):
    help = "Partial value scores (computed indicators) of every patent in the derived snapshot."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scenario", default=None)
        parser.add_argument("--output", type=Path, help="write the scores to this Parquet file")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            table = score_table(scenario=options["scenario"])
        except SnapshotMissingError as exc:
            raise CommandError(f"{exc}") from exc
        except ValuationInputError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        grades = Counter(table.column("grade").to_pylist())
        scores = [s for s in table.column("score").to_pylist() if s is not None]
        mean = sum(scores) / len(scores) if scores else 0.0
        self.stdout.write(f"{table.num_rows:,} patents scored in {seconds:.1f} s; mean score {mean:.2f}")
        for grade in sorted(g for g in grades if g is not None):
            self.stdout.write(f"  grade {grade}: {grades[grade]:,}")
        if grades.get(None):
            self.stdout.write(f"  no score (no computed indicator): {grades[None]:,}")
        if options["output"]:
            pq.write_table(table, options["output"])
            self.stdout.write(f"written to {options['output']}")
