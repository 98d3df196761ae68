"""``navigation_report``: run the navigation analyses without a project record and write the report.

    python manage.py navigation_report [--ipc CODES] [--keywords WORDS] [--region GB2260_CODE]
        [--years FROM-TO] [--backend duckdb|spark] [--title TEXT] [--conclusions FILE] --out DIR

Writes report.html, report.pdf, data.xlsx and analyses.json into DIR. A scope that matches nothing gives
an empty report (and says so); bad input (reversed years, unknown IPC codes, a malformed region code, no
snapshot yet) is a one-line error, not a stack trace.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ipops.analytics.engine import BACKENDS, BackendError
from ipops.analytics.report import write_report
from ipops.analytics.run import run_analyses
from ipops.analytics.scope import Scope, ScopeError
from ipops.corpus.store import SnapshotMissingError


class _Printer:
    def __init__(self, command: BaseCommand) -> None:
        self.command = command
        self.total = 0
        self.done = 0

    def set_total(self, total: int) -> None:
        self.total = total

    def advance(self, n: int = 1) -> None:
        self.done += n

    def message(self, text: str) -> None:
        self.command.stdout.write(f"[{self.done + 1}/{self.total}] {text}")


class Command(BaseCommand):
    help = "Run the patent navigation analyses over the derived snapshot and write the report files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ipc", default="", help="IPC codes or prefixes, comma-separated (G06F, H04L 9/)"
        )
        parser.add_argument(
            "--keywords", default="", help="keywords over title and abstract, comma-separated"
        )
        parser.add_argument("--region", default="", help="GB/T 2260 code (province, city or district)")
        parser.add_argument("--years", default="", help="application years FROM-TO, e.g. 2010-2020")
        parser.add_argument("--backend", default="duckdb", choices=BACKENDS)
        parser.add_argument(
            "--snapshot", default="", help="derived store directory (default: the platform's)"
        )
        parser.add_argument("--title", default="", help="report title")
        parser.add_argument(
            "--conclusions", default="", help="a UTF-8 text file with the analysts' conclusions"
        )
        parser.add_argument("--out", required=True, help="directory for the report files")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scope = Scope.parse(
                ipc=options["ipc"],
                keywords=options["keywords"],
                region=options["region"],
                years=options["years"],
            )
        except ScopeError as exc:
            raise CommandError(str(exc)) from exc
        conclusions = ""
        if options["conclusions"]:
            try:
                conclusions = Path(options["conclusions"]).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"cannot read {options['conclusions']}: {exc}") from exc
        started = time.perf_counter()
        try:
            result = run_analyses(
                scope,
                backend=options["backend"],
                snapshot=options["snapshot"] or None,
                progress=_Printer(self),
            )
        except (ScopeError, BackendError) as exc:
            raise CommandError(str(exc)) from exc
        except SnapshotMissingError as exc:
            raise CommandError(f"{exc}") from exc
        analysed = time.perf_counter() - started
        paths = write_report(result, Path(options["out"]), title=options["title"], conclusions=conclusions)
        total = result["modules"]["overview"]["total"]
        self.stdout.write(
            f"{total} patents in scope; analyses {analysed:.1f} s on {options['backend']}, "
            f"report {time.perf_counter() - started - analysed:.1f} s"
        )
        if result["empty"]:
            self.stdout.write(self.style.WARNING(result["notes"][-1]))
        for path in paths.values():
            self.stdout.write(str(path))
