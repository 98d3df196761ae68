"""Check the audit log's hash chain: exit 0 when intact, 1 with every break listed."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ipops.core.audit import verify_chain
from ipops.core.models import AuditEntry


class Command(BaseCommand):
    help = "Verify that no audit entry was changed, inserted or deleted (hash chain check)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = AuditEntry.objects.count()
        problems = verify_chain()
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"audit log tampered with: {len(problems)} problem(s) in {count} entries")
        self.stdout.write(self.style.SUCCESS(f"audit log intact: {count} entries, chain verified"))
