"""First start of a real installation: create the district IP service centre and its three staff accounts.

Each account gets a random temporary password, printed once, that must be changed at the first log-in.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ipops.accounts import services
from ipops.accounts.roles import Role


class Command(BaseCommand):
    help = "Create the district IP service centre with an operator, a security administrator and an auditor."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", required=True, help="the centre's official name (Chinese)")
        parser.add_argument("--name-en", default="", help="English name")
        parser.add_argument("--uscc", required=True, help="unified social credit code (18 characters)")
        parser.add_argument("--operator", default="operator", help="user name of the operator")
        parser.add_argument("--security-admin", default="secadmin", help="user name of the security admin")
        parser.add_argument("--auditor", default="auditor", help="user name of the auditor")

    def handle(self, *args: Any, **options: Any) -> None:
        staff = [
            services.StaffAccount(
                username=options[key],
                role=role,
                password=services.temporary_password(),
                must_change_password=True,
            )
            for key, role in (
                ("operator", Role.OPERATOR),
                ("security_admin", Role.SECURITY_ADMIN),
                ("auditor", Role.AUDITOR),
            )
        ]
        try:
            services.bootstrap_centre(
                name=options["name"], name_en=options["name_en"], uscc=options["uscc"], staff=staff
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {options['name']} and its staff accounts."))
        self.stdout.write("Temporary passwords (shown once; each must be changed at the first log-in):")
        for account in staff:
            self.stdout.write(f"  {account.username:<16} {account.role:<16} {account.password}")
