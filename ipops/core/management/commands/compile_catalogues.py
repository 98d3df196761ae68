"""Compile the .po message catalogues to .mo in pure Python (no GNU gettext needed on the machine)."""

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po to .mo (only those older than their .po)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="recompile even when the .mo is newer")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        compiled = 0
        for folder in settings.LOCALE_PATHS:
            for po_path in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as handle:
                    try:
                        catalog = read_po(handle, abort_invalid=True)
                    except Exception as exc:
                        raise CommandError(f"{po_path}: {exc}") from exc
                with mo_path.open("wb") as handle:
                    write_mo(handle, catalog, use_fuzzy=False)
                compiled += 1
        if compiled:
            self.stdout.write(f"compiled {compiled} message catalogue(s)")
