"""Train the IPC suggestion model from the patents the database holds (a derived store: safe to rerun), then
tag the saved needs again with it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ipops.search.ipc_suggest import store
from ipops.search.ipc_suggest.training import NothingToLearnError, train
from ipops.search.services import retag_needs


class Command(BaseCommand):
    help = "Train the IPC subclass suggester on the classified patents in the database and save it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-progress", action="store_true", help="no progress lines on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        last = [-1]

        def report(done: int, total: int, message: str) -> None:
            percent = int(100 * done / total) if total else 100
            if not options["quiet_progress"] and percent >= last[0] + 5:
                last[0] = percent
                self.stderr.write(f"  {percent:3d}% {message}")

        try:
            meta = train(progress=report)
        except NothingToLearnError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"IPC suggester trained on {meta['patents']} patents, {meta['subclasses']} subclasses "
            f"(threshold {meta['threshold']}, cross-validated micro-F1 {meta.get('cv_micro_f1', 'n/a')}, "
            f"{meta['seconds']} s); saved to {store.model_dir()}"
        )
        retagged = retag_needs(actor=None)
        if retagged["needs"]:
            self.stdout.write(
                f"Saved needs tagged again: {retagged['changed']} of {retagged['needs']} got new tags."
            )
