"""Load or refresh the reference tables: IPC titles (Chinese, English) and WIPO's 35 technology fields.

    python manage.py load_reference [--ipc-zh PATH] [--ipc-en PATH] [--wipo35 PATH] [--data-dir DIR]

With paths, only those parts are loaded, and each path must exist. Without any, all three files are taken
from the shared data folder next to the project (``BASE_DIR.parent / "shared" / "data"``,
``settings.IPOPS_REFERENCE_DATA_DIR`` or ``--data-dir``); a default file that is missing is skipped with a
warning. Exit status: 0 when something was loaded, 1 when a file is malformed (then nothing is changed),
2 when there is nothing to load or a given file does not exist.

These tables are not shipped with the project: the Chinese titles carry no declared licence and the English
list and the concordance come from GPL-3.0 packages, so they are read from those files at load time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ipops.reference.loaders import LoadError
from ipops.reference.services import load_reference

# option, what it is, default file under the data folder
PARTS = (
    ("ipc_zh", "Chinese IPC titles", Path("ipc_scheme_zh_cnipa2026/ipc_zh_flat.tsv.gz")),
    ("ipc_en", "English IPC titles", Path("ipc_scheme_en_wipo/all_ipc.csv.xz")),
    ("wipo35", "WIPO 35 technology fields", Path("ipc_wipo35_technology_fields/ipc_technology.csv")),
)


def default_data_dir() -> Path:
    configured = getattr(settings, "IPOPS_REFERENCE_DATA_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR).parent / "shared" / "data"


class Command(BaseCommand):
    help = "Load or refresh the IPC titles (Chinese, English) and WIPO's 35 technology fields, in one transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ipc-zh", type=Path, help="Chinese IPC titles (TSV: code, level, parent_code, title_zh)"
        )
        parser.add_argument("--ipc-en", type=Path, help="English IPC titles (WIPO list: symbol<TAB>title)")
        parser.add_argument(
            "--wipo35", type=Path, help="IPC–technology concordance (PatentsView ipc_technology.csv)"
        )
        parser.add_argument(
            "--data-dir",
            type=Path,
            help=f"where the default files are, used when no path is given (default: {default_data_dir()})",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when IPC titles are already loaded (make demo)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from ipops.reference.models import IpcEntry

        if options["if_empty"] and IpcEntry.objects.exists():
            self.stdout.write("IPC reference data already loaded; not loaded again.")
            return
        data_dir: Path = options["data_dir"] or default_data_dir()
        explicit = any(options[option] is not None for option, _, _ in PARTS)
        paths: dict[str, Path] = {}
        for option, label, default in PARTS:
            given: Path | None = options[option]
            if given is not None:
                if not given.is_file():
                    raise CommandError(
                        f"{label}: {given} does not exist or is not a file; nothing was loaded.", returncode=2
                    )
                paths[option] = given
            elif explicit:
                continue
            elif (data_dir / default).is_file():
                paths[option] = data_dir / default
            else:
                self.stderr.write(self.style.WARNING(f"{label}: {data_dir / default} is missing; skipped."))
        if not paths:
            raise CommandError(
                f"Nothing to load: none of the reference files was found under {data_dir}. "
                "Give their paths with --ipc-zh, --ipc-en and --wipo35, or the folder with --data-dir.",
                returncode=2,
            )
        try:
            results = load_reference(**paths)
        except LoadError as exc:
            raise CommandError(f"{exc}. Nothing was changed.", returncode=1) from None
        labels = {option: label for option, label, _ in PARTS}
        for result in results:
            label = labels[result.part.replace("-", "_")]
            self.stdout.write(
                f"{label}: {result.read:,} read from {result.path}; {result.created:,} new, "
                f"{result.refreshed:,} refreshed, {result.removed:,} removed ({result.seconds:.1f} s)"
            )
            for note in result.notes:
                self.stdout.write(f"    {note}")
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))
