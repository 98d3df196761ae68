"""Score one patent (and value it in money when inputs are given); prints, saves nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from ipops.patents.models import Patent
from ipops.patents.normalize.numbers import NumberError, parse_publication_number
from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.services import evaluate


def find_patent(number: str) -> Patent:
    text = number.strip()
    candidates = {text, text.upper(), text.replace(" ", "").upper()}
    try:
        parsed = parse_publication_number(text)
        candidates.add(parsed.compact)
    except (NumberError, TypeError, ValueError):
        pass
    patent = (
        Patent.objects.filter(Q(pub_number__in=candidates) | Q(app_number__in=candidates))
        .prefetch_related("classifications", "legal_events")
        .first()
    )
    if patent is None:
        raise CommandError(f"No patent with the number {number} is held.")
    return patent


class Command(BaseCommand):
    help = "Value score of one patent (GB/T 42748), and its money value range when --inputs is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("publication_number")
        parser.add_argument(
            "--scenario", default=None, help="licence_transfer, finance, financial_reporting, ..."
        )
        parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
        parser.add_argument(
            "--inputs",
            type=Path,
            help='JSON file: money inputs (see docs), plus optional "indicators": {code: level 1-5}',
        )
        parser.add_argument("--strict", action="store_true", help="refuse a score with indicators missing")

    def handle(self, *args: Any, **options: Any) -> None:
        patent = find_patent(options["publication_number"])
        inputs: dict[str, Any] = {}
        if options["inputs"]:
            try:
                inputs = json.loads(Path(options["inputs"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read {options['inputs']}: {exc}") from exc
            if not isinstance(inputs, dict):
                raise CommandError("The inputs file must hold a JSON object.")
        entered = inputs.pop("indicators", {})
        try:
            result = evaluate(
                patent,
                scenario=options["scenario"],
                entered=entered,
                inputs=inputs or None,
                partial=not options["strict"],
            )
        except ValuationInputError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps({"patent": patent.number, **result}, ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{patent.number} {patent.title}")
        self.stdout.write(
            f"scenario {result['scenario']}: score {result['score']} grade {result['grade']} "
            f"(weight covered {float(result['coverage']):.0%})"
        )
        self.stdout.write(
            "  " + ", ".join(f"{k} {v if v is not None else '—'}" for k, v in result["dimensions"].items())
        )
        for row in result["indicators"]:
            if row["in_scenario"]:
                score = row["score"] if row["score"] is not None else "—"
                self.stdout.write(
                    f"  {row['code']:<24} {score:>7}  w={row['weight']:<7} {row['source']} {row['value']}"
                )
        if result["missing"]:
            self.stdout.write(
                'missing (enter a level in --inputs "indicators"): ' + ", ".join(result["missing"])
            )
        money = result["money"]
        if money:
            if money.get("zero_reason"):
                self.stdout.write(f"value 0.00 yuan: {money['zero_reason']}")
            else:
                self.stdout.write(
                    f"value {money['value']} yuan (P10 {money['p10']}, P50 {money['p50']}, P90 {money['p90']})"
                )
            for note in money.get("notes", []):
                self.stdout.write(f"note: {note}")
