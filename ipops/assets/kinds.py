"""The three registry kinds side by side: URL slug, model, titles, and the columns of their lists and exports.

Pages, exports and the API are written once and take a `KindSpec`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ipops.assets.models import ASSET_MODELS, AssetKind


def display(field: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, f"get_{field}_display")()


def attr(field: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, field)


def yes_no(field: str) -> Callable[[Any], Any]:
    return lambda obj: _("yes") if getattr(obj, field) else _("no")


def organisation(field: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, field) or ""


@dataclass(frozen=True)
class Col:
    label: Promise
    value: Callable[[Any], Any]
    in_list: bool = True


@dataclass(frozen=True)
class KindSpec:
    kind: str
    slug: str
    title: Promise  # plural, for page titles
    columns: tuple[Col, ...]
    select_related: tuple[str, ...]

    @property
    def model(self) -> Any:
        return ASSET_MODELS[self.kind]

    @property
    def list_columns(self) -> list[Col]:
        return [c for c in self.columns if c.in_list]

    @property
    def export_filename(self) -> str:
        return f"{self.slug}.xlsx"

    # URL names, for templates ({% url spec.url_detail obj.pk %})
    @property
    def url_list(self) -> str:
        return f"assets:{self.kind}_list"

    @property
    def url_create(self) -> str:
        return f"assets:{self.kind}_create"

    @property
    def url_import(self) -> str:
        return f"assets:{self.kind}_import"

    @property
    def url_template(self) -> str:
        return f"assets:{self.kind}_import_template"

    @property
    def url_detail(self) -> str:
        return f"assets:{self.kind}_detail"

    @property
    def url_edit(self) -> str:
        return f"assets:{self.kind}_edit"


SPECS: dict[str, KindSpec] = {
    AssetKind.TRADEMARK: KindSpec(
        AssetKind.TRADEMARK,
        "trademarks",
        _("Trademarks"),
        (
            Col(_("Registration number"), attr("number")),
            Col(_("Mark"), attr("name")),
            Col(_("Nice classes"), attr("classes_text")),
            Col(_("Goods / services"), attr("goods_services"), in_list=False),
            Col(_("Registrant"), attr("owner_name")),
            Col(_("Owner organisation"), organisation("owner_organisation"), in_list=False),
            Col(_("Status"), display("status")),
            Col(_("Application date"), attr("app_date"), in_list=False),
            Col(_("Registration date"), attr("reg_date")),
            Col(_("Valid until"), attr("expiry_date")),
            Col(_("Well-known mark"), yes_no("is_well_known"), in_list=False),
            Col(_("Entered for"), organisation("organisation")),
        ),
        ("organisation", "owner_organisation"),
    ),
    AssetKind.COPYRIGHT: KindSpec(
        AssetKind.COPYRIGHT,
        "copyrights",
        _("Copyrights"),
        (
            Col(_("Registration number"), attr("number")),
            Col(_("Kind of work"), display("kind")),
            Col(_("Title"), attr("title")),
            Col(_("Version"), attr("version")),
            Col(_("Copyright owner"), attr("owner_name")),
            Col(_("Owner organisation"), organisation("owner_organisation"), in_list=False),
            Col(_("Completion date"), attr("completion_date"), in_list=False),
            Col(_("First publication date"), attr("first_publication_date"), in_list=False),
            Col(_("Registration date"), attr("reg_date")),
            Col(_("Status"), display("status")),
            Col(_("Entered for"), organisation("organisation")),
        ),
        ("organisation", "owner_organisation"),
    ),
    AssetKind.GI: KindSpec(
        AssetKind.GI,
        "geographical-indications",
        _("Geographical indications"),
        (
            Col(_("Approval number"), attr("number")),
            Col(_("Name"), attr("name")),
            Col(_("Product"), attr("product")),
            Col(_("Protection kind"), display("kind")),
            Col(_("Region code"), attr("region_code")),
            Col(_("Approval date"), attr("approval_date")),
            Col(_("Holder"), attr("holder_name")),
            Col(_("Holder organisation"), organisation("holder_organisation"), in_list=False),
            Col(_("Status"), display("status")),
            Col(_("Entered for"), organisation("organisation")),
        ),
        ("organisation", "holder_organisation"),
    ),
}
BY_SLUG: dict[str, KindSpec] = {spec.slug: spec for spec in SPECS.values()}


def spec_for(kind: str) -> KindSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise Http404 from None
