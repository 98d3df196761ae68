"""Suggest IPC subclasses: `manage.py suggest_ipc TEXT [--json]`, or `--input FILE.csv` (columns id,text),
printing one JSON object per line: {"id": ..., "subclasses": [{"code": "G06F", "confidence": 0.83}, ...]}
where the subclasses are the set the platform would tag the text with."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ipops.search.ipc_suggest.services import (
    ModelNotTrainedError,
    SuggestedSubclass,
    SuggestInputError,
    suggest_many,
)

BATCH = 256


def as_json(row_id: Any, subclasses: list[SuggestedSubclass]) -> str:
    chosen = [{"code": s.code, "confidence": s.confidence} for s in subclasses if s.suggested]
    return json.dumps({"id": row_id, "subclasses": chosen}, ensure_ascii=False)


class Command(BaseCommand):
    help = "Suggest the IPC subclasses the platform would tag a text with (the model of train_ipc_suggester)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", nargs="?", default=None, help="the text: a title, an abstract, a need")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument("--input", default="", help="a CSV file (UTF-8) with the columns id,text")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["input"] and options["text"] is not None:
            raise CommandError("Give either TEXT or --input FILE.csv, not both.")
        if not options["input"] and options["text"] is None:
            raise CommandError(
                "Give the text to classify, or a CSV file with --input FILE.csv (columns id,text)."
            )
        try:
            if options["input"]:
                self.batch(Path(options["input"]))
            else:
                self.single(options["text"], as_lines=options["json"])
        except (SuggestInputError, ModelNotTrainedError) as exc:
            raise CommandError(str(exc)) from exc

    def single(self, text: str, as_lines: bool) -> None:
        rows = suggest_many([text])[0]
        if as_lines:
            self.stdout.write(as_json(None, rows))
            return
        for s in rows:
            mark = "*" if s.suggested else " "
            self.stdout.write(f"{mark} {s.code}  {s.confidence:.2f}")
        self.stdout.write("(* = suggested)")

    def batch(self, path: Path) -> None:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                if not reader.fieldnames or not {"id", "text"} <= {f.strip() for f in reader.fieldnames if f}:
                    raise CommandError(
                        f"{path.name}: the CSV file needs a header row with the columns id,text "
                        f"(found: {', '.join(f for f in reader.fieldnames or [] if f) or 'nothing'})."
                    )
                rows = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start}).") from exc
        except csv.Error as exc:
            raise CommandError(f"{path.name}: not a readable CSV file ({exc}).") from exc
        empty = [
            str(number) for number, row in enumerate(rows, start=2) if not (row.get("text") or "").strip()
        ]
        if empty:
            raise CommandError(f"{path.name}: the text is empty on line(s) {', '.join(empty[:20])}.")
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            try:
                results = suggest_many([row["text"] for row in chunk])
            except SuggestInputError as exc:
                raise CommandError(f"{path.name}, rows {start + 2}–{start + len(chunk) + 1}: {exc}") from exc
            for row, subclasses in zip(chunk, results, strict=True):
                self.stdout.write(as_json(row["id"], subclasses))
