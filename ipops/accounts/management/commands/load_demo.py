"""Load the demo region: the district centre and one organisation of every type, with users in every role.

All of it goes through the same services as real use, so the demo's audit log is real too. The
organisations are fictional and marked （演示） / (demo).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ipops.accounts import services
from ipops.accounts.models import Organisation, User
from ipops.accounts.roles import OrgKind, Role
from ipops.core.validators import uscc_check_character

DEFAULT_PASSWORD = "Ipops-Demo-2026"  # noqa: S105 - printed demo credential, overridable by IPOPS_DEMO_PASSWORD


def uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    name_en: str
    kind: str
    uscc: str
    admin: tuple[str, str]  # user name, full name
    members: tuple[tuple[str, str], ...] = ()


CENTRE = DemoOrganisation(
    name="北京市朝阳区知识产权服务中心（演示）",
    name_en="Chaoyang District IP Service Centre (demo)",
    kind=OrgKind.CENTRE,
    uscc=uscc("12110105MB0000001"),
    admin=("operator", "王运营"),
)
CENTRE_STAFF = (
    ("operator", Role.OPERATOR, "王运营"),
    ("secadmin", Role.SECURITY_ADMIN, "李安全"),
    ("auditor", Role.AUDITOR, "张审计"),
)
ORGANISATIONS = (
    DemoOrganisation(
        "北京朝知智能科技有限公司（演示）",
        "Chaozhi AI Technology Co., Ltd. (demo)",
        OrgKind.ENTERPRISE,
        uscc("91110105MA0000002"),
        ("ent_admin", "陈企业"),
        (("ent_user", "刘专员"),),
    ),
    DemoOrganisation(
        "北京朝阳理工大学（演示）",
        "Chaoyang University of Technology (demo)",
        OrgKind.UNIVERSITY,
        uscc("12110105MB0000003"),
        ("univ_admin", "赵转移"),
        (("univ_user", "孙老师"),),
    ),
    DemoOrganisation(
        "示范银行北京朝阳支行（演示）",
        "Demo Bank Chaoyang Branch (demo)",
        OrgKind.BANK,
        uscc("91110105MA0000004"),
        ("bank_admin", "周信贷"),
        (("bank_user", "吴客户经理"),),
    ),
    DemoOrganisation(
        "北京示范知识产权代理事务所（演示）",
        "Demo IP Agency (demo)",
        OrgKind.AGENCY,
        uscc("91110105MA0000005"),
        ("agency_admin", "郑代理"),
    ),
    DemoOrganisation(
        "北京示范资产评估有限公司（演示）",
        "Demo Appraisal Co., Ltd. (demo)",
        OrgKind.APPRAISAL,
        uscc("91110105MA0000006"),
        ("appraiser", "冯评估"),
    ),
    DemoOrganisation(
        "北京示范融资担保有限公司（演示）",
        "Demo Financing Guarantee Co., Ltd. (demo)",
        OrgKind.GUARANTOR,
        uscc("91110105MA0000007"),
        ("guarantor_admin", "何担保"),
    ),
)
PENDING = DemoOrganisation(
    "北京待审新材料有限公司（演示）",
    "Pending New Materials Co., Ltd. (demo)",
    OrgKind.ENTERPRISE,
    uscc("91110105MA0000008"),
    ("pending_admin", "韩申请"),
)


def email(username: str) -> str:
    return f"{username}@demo.ipops.invalid"


class Command(BaseCommand):
    help = "Load the demo region into an empty database and print the demo log-ins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing (exit 0) when data exists")
        parser.add_argument(
            "--without-patents", action="store_true", help="organisations and users only (no sample patents)"
        )

    def handle(
        self, *args: Any, if_empty: bool = False, without_patents: bool = False, **options: Any
    ) -> None:
        password = os.environ.get("IPOPS_DEMO_PASSWORD", DEFAULT_PASSWORD)
        if Organisation.objects.exists() or User.objects.exists():
            if if_empty:
                self.stdout.write(
                    "The database already holds data; demo not loaded again. The demo log-ins keep the "
                    f"password they were loaded with (default {DEFAULT_PASSWORD})."
                )
                return
            raise CommandError("load_demo needs an empty database (use --if-empty to skip quietly).")
        with transaction.atomic():
            self.load(password)
            if not without_patents:
                self.load_patents(User.objects.get(username="operator"))
        self.stdout.write(self.style.SUCCESS("Demo region loaded."))
        self.print_logins(password)

    def load(self, password: str) -> None:
        services.bootstrap_centre(
            name=CENTRE.name,
            name_en=CENTRE.name_en,
            uscc=CENTRE.uscc,
            staff=[
                services.StaffAccount(username=u, role=r, password=password, full_name=n, email=email(u))
                for u, r, n in CENTRE_STAFF
            ],
        )
        operator = User.objects.get(username="operator")
        for spec in ORGANISATIONS:
            org = self.register(spec, password)
            services.decide_organisation(actor=operator, organisation=org, approve=True, note="演示数据")
            admin = User.objects.get(username=spec.admin[0])
            for username, full_name in spec.members:
                issued = services.invite_user(actor=admin, organisation=org, email=email(username))
                services.accept_invitation(
                    token=issued.token, username=username, full_name=full_name, password=password
                )
        self.register(PENDING, password)

    def load_patents(self, operator: User) -> None:
        """The real sample patents, imported through the normal pipeline, each with its provenance."""
        import json

        from ipops.core.jobs import execute_job
        from ipops.patents import services as patent_services
        from ipops.patents.models import Dataset

        folder = Path(patent_services.__file__).resolve().parent / "demo_data"
        for spec in json.loads((folder / "datasets.json").read_text(encoding="utf-8")):
            Dataset.objects.update_or_create(
                name=spec["name"], defaults={"description": spec["description"], "licence": spec["licence"]}
            )
            source = folder / spec["file"]
            job = patent_services.start_import(
                actor=operator,
                path=patent_services.keep_local_file(source),
                file_name=source.name,
                file_format=spec["format"],
                mapping=spec["mapping"],
                dataset=spec["name"],
                enqueue=False,
            )
            job = execute_job(str(job.pk))
            if job.status != job.Status.SUCCEEDED:
                raise CommandError(f"demo import of {source.name} failed: {job.error}")
            self.stdout.write(f"  {spec['name']}: {job.result['created']} patents")

    @staticmethod
    def register(spec: DemoOrganisation, password: str) -> Organisation:
        username, full_name = spec.admin
        return services.register_organisation(
            name=spec.name,
            name_en=spec.name_en,
            kind=spec.kind,
            uscc=spec.uscc,
            username=username,
            full_name=full_name,
            email=email(username),
            password=password,
        )

    def print_logins(self, password: str) -> None:
        self.stdout.write(f"\nDemo log-ins (password for all: {password}):")
        for user in (
            User.objects.select_related("organisation")
            .prefetch_related("roles")
            .order_by("organisation__kind", "username")
        ):
            roles = ", ".join(sorted(user.role_set))
            self.stdout.write(f"  {user.username:<16} {roles:<28} {user.organisation}")
