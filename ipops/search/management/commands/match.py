"""Match needs to patents: `manage.py match TEXT [--top N] [--json]` or `--input FILE.csv` (columns id,text),
printing one JSON object per line: {"id": ..., "results": [{"publication_number": ..., "score": ...}]}."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import get_language

from ipops.search import engine, present


class Command(BaseCommand):
    help = "Patents that could meet a need written in plain words (hybrid keyword + semantic ranking)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("text", nargs="?", default="")
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--input", default="", help="a CSV file with columns id,text")

    def handle(self, *args: Any, **options: Any) -> None:
        top = options["top"]
        if top < 1:
            raise CommandError("--top must be at least 1")
        if not options["input"] and not options["text"].strip():
            raise CommandError("Give the need as TEXT or a CSV file with --input.")
        try:
            engine.stores()
        except engine.IndexMissingError as exc:
            raise CommandError(
                "The search index has not been built yet: run `manage.py rebuild_index`."
            ) from exc
        if options["input"]:
            self.batch(Path(options["input"]), top)
            return
        ranked = engine.match(options["text"], top=top)
        rows = present.match_rows(options["text"], ranked.matches, get_language() or "zh-hans")
        if options["json"]:
            self.stdout.write(json.dumps({"results": [r.as_json() for r in rows]}, ensure_ascii=False))
            return
        for r in rows:
            why = r.passage or ", ".join(r.words)
            self.stdout.write(f"{r.match.score:6.3f}  {r.patent.number:<16} {r.patent.title}  [{why[:60]}]")

    def batch(self, path: Path, top: int) -> None:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"id", "text"} <= set(reader.fieldnames):
                raise CommandError("The CSV file needs the columns id,text.")
            for row in reader:
                text = (row.get("text") or "").strip()
                results: list[dict[str, Any]] = []
                if text:
                    ranked = engine.match(text, top=top)
                    numbers = {
                        str(p.pk): p.number for p in present.patents_in_order([m.id for m in ranked.matches])
                    }
                    results = [
                        {"publication_number": numbers[m.id], "score": round(m.score, 4)}
                        for m in ranked.matches
                        if m.id in numbers
                    ]
                sys.stdout.write(json.dumps({"id": row["id"], "results": results}, ensure_ascii=False) + "\n")
