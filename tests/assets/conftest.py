"""Helpers of the asset tests: import files written from composed rows, and a snapshot of the registry."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ipops.accounts.models import Organisation, User, UserRole
from ipops.assets.models import AssetClaim, AssetImport, Copyright, GeographicalIndication, Trademark
from ipops.core.models import AuditEntry

ENTERPRISE = "北京朝知智能科技有限公司（演示）"
UNIVERSITY = "北京朝阳理工大学（演示）"

TRADEMARK_HEADER = [
    "注册号",
    "商标名称",
    "国际分类",
    "商品/服务",
    "注册人",
    "申请日",
    "注册日",
    "有效期至",
    "状态",
]
TRADEMARK_ROWS = [
    [
        "23456781",
        "朝知",
        "9;42",
        "计算机软件；技术咨询",
        ENTERPRISE,
        "2016-04-12",
        "2017-06-07",
        "2027-06-06",
        "已注册",
    ],
    [
        "23456782",
        "CHAOZHI",
        "9",
        "计算机程序（可下载软件）",
        ENTERPRISE,
        "2016/4/12",
        "2017/6/7",
        "",
        "已注册",
    ],
    [
        "30123457",
        "朝知智排",
        "35，42",
        "替他人推销；软件设计",
        ENTERPRISE,
        "2018年5月3日",
        "2019年2月14日",
        "",
        "",
    ],
    ["51234568", "智排云", "42", "软件即服务（SaaS）", ENTERPRISE, "20210305", "", "", "申请中"],
]


def write_csv(path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def upload_of(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def registry_state() -> tuple:
    """Everything the asset services can change, for "a refused action changes nothing"."""
    return (
        tuple(Trademark.objects.order_by("number").values_list()),
        tuple(Copyright.objects.order_by("number").values_list()),
        tuple(GeographicalIndication.objects.order_by("number").values_list()),
        tuple(AssetClaim.objects.order_by("created_at").values_list()),
        tuple(AssetImport.objects.order_by("created_at").values_list()),
    )


def denials() -> int:
    return AuditEntry.objects.filter(action="auth.denied").count()


def assert_refused(do: Callable[[], Any], status: int = 403) -> Any:
    """The action is refused with `status`, changes nothing, and (403) leaves one `auth.denied` entry."""
    before, denied_before = registry_state(), denials()
    response = do()
    assert response.status_code == status, getattr(response, "content", b"")[:300]
    assert registry_state() == before
    if status == 403:
        assert denials() == denied_before + 1
    if status == 302:
        assert "/accounts/login/" in response["Location"]
    return response


@pytest.fixture
def enterprise(region: dict[str, User]) -> Organisation:
    return Organisation.objects.get(name=ENTERPRISE)


@pytest.fixture
def roleless(region: dict[str, User], login: Callable[[str], Client]) -> Client:
    """ent_user without any role: a member of an approved organisation who holds neither org_admin nor member."""
    UserRole.objects.filter(user__username="ent_user").delete()
    return login("ent_user")


@pytest.fixture
def trademark(region: dict[str, User]) -> Trademark:
    """One trademark entered by the enterprise's administrator through the service."""
    from ipops.assets import services

    asset = services.create_asset(
        actor=region["ent_admin"],
        kind="trademark",
        values={
            "number": "23456781",
            "name": "朝知",
            "nice_classes": [9, 42],
            "goods_services": "计算机软件；技术咨询",
            "owner_name": ENTERPRISE,
            "status": "registered",
            "reg_date": date(2017, 6, 7),
        },
    )
    assert isinstance(asset, Trademark)
    return asset
