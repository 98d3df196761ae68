"""Load the demo region: the district centre and one organisation of every type, with users in every role.

All of it goes through the same services as real use, so the demo's audit log is real too. The
organisations are fictional and marked （演示） / (demo).
"""

from __future__ import annotations

import os
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


CENTRE = {
    "name": "北京市朝阳区知识产权服务中心（演示）",
    "name_en": "Chaoyang District IP Service Centre (demo)",
    "uscc": uscc("12110105MB0000001"),
    "staff": [
        ("operator", Role.OPERATOR, "王运营"),
        ("secadmin", Role.SECURITY_ADMIN, "李安全"),
        ("auditor", Role.AUDITOR, "张审计"),
    ],
}

ORGANISATIONS: list[dict[str, Any]] = [
    {
        "name": "北京朝知智能科技有限公司（演示）",
        "name_en": "Chaozhi AI Technology Co., Ltd. (demo)",
        "kind": OrgKind.ENTERPRISE,
        "uscc": uscc("91110105MA0000002"),
        "admin": ("ent_admin", "陈企业"),
        "members": [("ent_user", "刘专员")],
    },
    {
        "name": "北京朝阳理工大学（演示）",
        "name_en": "Chaoyang University of Technology (demo)",
        "kind": OrgKind.UNIVERSITY,
        "uscc": uscc("12110105MB0000003"),
        "admin": ("univ_admin", "赵转移"),
        "members": [("univ_user", "孙老师")],
    },
    {
        "name": "示范银行北京朝阳支行（演示）",
        "name_en": "Demo Bank Chaoyang Branch (demo)",
        "kind": OrgKind.BANK,
        "uscc": uscc("91110105MA0000004"),
        "admin": ("bank_admin", "周信贷"),
        "members": [("bank_user", "吴客户经理")],
    },
    {
        "name": "北京示范知识产权代理事务所（演示）",
        "name_en": "Demo IP Agency (demo)",
        "kind": OrgKind.AGENCY,
        "uscc": uscc("91110105MA0000005"),
        "admin": ("agency_admin", "郑代理"),
        "members": [],
    },
    {
        "name": "北京示范资产评估有限公司（演示）",
        "name_en": "Demo Appraisal Co., Ltd. (demo)",
        "kind": OrgKind.APPRAISAL,
        "uscc": uscc("91110105MA0000006"),
        "admin": ("appraiser", "冯评估"),
        "members": [],
    },
    {
        "name": "北京示范融资担保有限公司（演示）",
        "name_en": "Demo Financing Guarantee Co., Ltd. (demo)",
        "kind": OrgKind.GUARANTOR,
        "uscc": uscc("91110105MA0000007"),
        "admin": ("guarantor_admin", "何担保"),
        "members": [],
    },
]
PENDING = {
    "name": "北京待审新材料有限公司（演示）",
    "kind": OrgKind.ENTERPRISE,
    "uscc": uscc("91110105MA0000008"),
    "admin": ("pending_admin", "韩申请"),
}


class Command(BaseCommand):
    help = "Load the demo region into an empty database and print the demo log-ins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing (exit 0) when data exists")

    def handle(self, *args: Any, if_empty: bool = False, **options: Any) -> None:
        password = os.environ.get("IPOPS_DEMO_PASSWORD", DEFAULT_PASSWORD)
        if Organisation.objects.exists() or User.objects.exists():
            if if_empty:
                self.stdout.write("The database already holds data; demo not loaded again.")
                self.print_logins(password)
                return
            raise CommandError("load_demo needs an empty database (use --if-empty to skip quietly).")
        with transaction.atomic():
            self.load(password)
        self.stdout.write(self.style.SUCCESS("Demo region loaded."))
        self.print_logins(password)

    def load(self, password: str) -> None:
        services.bootstrap_centre(
            name=CENTRE["name"],
            name_en=CENTRE["name_en"],
            uscc=CENTRE["uscc"],
            staff=[
                services.StaffAccount(
                    username=u, role=r, password=password, full_name=n, email=f"{u}@demo.ipops.invalid"
                )
                for u, r, n in CENTRE["staff"]
            ],
        )
        operator = User.objects.get(username="operator")
        for spec in ORGANISATIONS:
            admin_username, admin_name = spec["admin"]
            org = services.register_organisation(
                name=spec["name"],
                name_en=spec["name_en"],
                kind=spec["kind"],
                uscc=spec["uscc"],
                username=admin_username,
                full_name=admin_name,
                email=f"{admin_username}@demo.ipops.invalid",
                password=password,
            )
            services.decide_organisation(actor=operator, organisation=org, approve=True, note="演示数据")
            admin = User.objects.get(username=admin_username)
            for username, full_name in spec["members"]:
                issued = services.invite_user(
                    actor=admin, organisation=org, email=f"{username}@demo.ipops.invalid"
                )
                services.accept_invitation(
                    token=issued.token, username=username, full_name=full_name, password=password
                )
        services.register_organisation(
            name=PENDING["name"],
            kind=PENDING["kind"],
            uscc=PENDING["uscc"],
            username=PENDING["admin"][0],
            full_name=PENDING["admin"][1],
            email="pending_admin@demo.ipops.invalid",
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
