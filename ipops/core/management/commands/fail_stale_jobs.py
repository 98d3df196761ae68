"""Mark running jobs whose worker died as failed (run at worker start, or from cron)."""

from typing import Any

from django.core.management.base import BaseCommand

from ipops.core.jobs import fail_stale_jobs


class Command(BaseCommand):
    help = "Fail the running jobs whose worker has shown no progress for a while (it was stopped or died)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--silent-minutes", type=int, default=10, help="minutes without progress (default 10)"
        )

    def handle(self, *args: Any, silent_minutes: int = 10, **options: Any) -> None:
        failed = fail_stale_jobs(silent_minutes=silent_minutes)
        self.stdout.write(f"{len(failed)} stale job(s) marked as failed")
