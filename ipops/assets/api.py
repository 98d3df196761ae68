"""API endpoints of the IP asset registry: trademarks, copyrights and GIs (filtered lists and records, as on
the pages), and asset claims (list, file, decide). Thin: the services decide who may do what."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from ipops.accounts.roles import Role
from ipops.assets import services
from ipops.assets.filters import FILTER_FORMS
from ipops.assets.models import (
    ASSET_MODELS,
    AssetClaim,
    AssetKind,
    Copyright,
    GeographicalIndication,
    Trademark,
)
from ipops.core.api import Pagination, caller
from ipops.core.permissions import deny, require_role
from ipops.patents.models import Patent

router = Router(tags=["assets"])


class OrganisationRef(Schema):
    id: UUID
    name: str


class AssetBaseOut(Schema):
    id: UUID
    number: str
    status: str
    organisation: OrganisationRef
    created_at: datetime
    updated_at: datetime


class TrademarkOut(AssetBaseOut):
    name: str
    nice_classes: list[int]
    goods_services: str
    owner_name: str
    owner_organisation: OrganisationRef | None
    app_date: date | None
    reg_date: date | None
    expiry_date: date | None
    is_well_known: bool


class CopyrightOut(AssetBaseOut):
    kind: str
    title: str
    version: str
    owner_name: str
    owner_organisation: OrganisationRef | None
    completion_date: date | None
    first_publication_date: date | None
    reg_date: date | None


class GeographicalIndicationOut(AssetBaseOut):
    name: str
    product: str
    region_code: str
    kind: str
    approval_date: date | None
    holder_name: str
    holder_organisation: OrganisationRef | None


class AssetQuery(Schema):
    q: str = ""
    status: str = ""
    scope: str = ""


class TrademarkQuery(AssetQuery):
    nice_class: int | None = None
    well_known: bool = False


class CopyrightQuery(AssetQuery):
    work_kind: str = ""


class GeographicalIndicationQuery(AssetQuery):
    protection_kind: str = ""
    region: str = ""


def require_reader(request: HttpRequest, what: str) -> Any:
    user = caller(request)
    if not services.may_read(user):
        raise deny(user, what)
    return user


def filtered(request: HttpRequest, kind: str, filters: Schema) -> QuerySet[Any]:
    user = require_reader(request, f"browse {kind} records")
    params = {k: str(v) for k, v in filters.dict().items() if v not in (None, "", False)}
    form = FILTER_FORMS[kind](params)
    if not form.is_valid():
        raise DjangoValidationError({k: v for k, v in form.errors.items()})
    model = ASSET_MODELS[kind]
    owner = model.OWNER_ORG
    return form.filter(model.objects.select_related("organisation", owner), user)


def one(request: HttpRequest, kind: str, asset_id: UUID) -> Any:
    require_reader(request, f"browse {kind} records")
    model = ASSET_MODELS[kind]
    found = model.objects.select_related("organisation", model.OWNER_ORG).filter(pk=asset_id).first()
    if found is None:
        raise Http404
    return found


@router.get("/assets/trademarks", response=list[TrademarkOut], summary="Trademarks, filtered as on the page")
@paginate(Pagination)
def list_trademarks(request: HttpRequest, filters: Query[TrademarkQuery]) -> Any:
    return filtered(request, AssetKind.TRADEMARK, filters)


@router.get("/assets/trademarks/{asset_id}", response=TrademarkOut, summary="One trademark")
def get_trademark(request: HttpRequest, asset_id: UUID) -> Trademark:
    found: Trademark = one(request, AssetKind.TRADEMARK, asset_id)
    return found


@router.get("/assets/copyrights", response=list[CopyrightOut], summary="Copyrights, filtered as on the page")
@paginate(Pagination)
def list_copyrights(request: HttpRequest, filters: Query[CopyrightQuery]) -> Any:
    return filtered(request, AssetKind.COPYRIGHT, filters)


@router.get("/assets/copyrights/{asset_id}", response=CopyrightOut, summary="One copyright")
def get_copyright(request: HttpRequest, asset_id: UUID) -> Copyright:
    found: Copyright = one(request, AssetKind.COPYRIGHT, asset_id)
    return found


@router.get(
    "/assets/geographical-indications",
    response=list[GeographicalIndicationOut],
    summary="Geographical indications, filtered as on the page",
)
@paginate(Pagination)
def list_geographical_indications(request: HttpRequest, filters: Query[GeographicalIndicationQuery]) -> Any:
    return filtered(request, AssetKind.GI, filters)


@router.get(
    "/assets/geographical-indications/{asset_id}",
    response=GeographicalIndicationOut,
    summary="One geographical indication",
)
def get_geographical_indication(request: HttpRequest, asset_id: UUID) -> GeographicalIndication:
    found: GeographicalIndication = one(request, AssetKind.GI, asset_id)
    return found


# --- claims -------------------------------------------------------------------------------------------------


class ClaimOut(Schema):
    id: UUID
    organisation: OrganisationRef
    asset_type: str
    asset_id: UUID
    asset_number: str
    status: str
    evidence: str
    explanation: str
    note: str
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_asset_id(claim: AssetClaim) -> UUID:
        pk: UUID = claim.asset.pk
        return pk


class ClaimIn(Schema):
    asset_type: str
    asset_id: UUID
    evidence: str
    explanation: str = ""


class ClaimDecisionIn(Schema):
    confirm: bool
    note: str = ""


@router.get("/assets/claims", response=list[ClaimOut], summary="Claims: operators all, others their own")
@paginate(Pagination)
def list_claims(request: HttpRequest, status: str = "", asset_type: str = "") -> Any:
    user = require_reader(request, "view asset claims")
    claims = services.visible_claims(user)
    if status:
        claims = claims.filter(status=status)
    if asset_type:
        claims = claims.filter(asset_type=asset_type)
    return claims


@router.post(
    "/assets/claims", response={201: ClaimOut}, summary="Claim an asset for the caller's organisation"
)
def create_claim(request: HttpRequest, body: ClaimIn) -> Any:
    user = caller(request)
    if not services.may_claim(user):
        raise deny(user, "claim IP assets")
    if body.asset_type not in AssetKind.values:
        raise DjangoValidationError(
            {"asset_type": _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(AssetKind.values)}}
        )
    model: Any = Patent if body.asset_type == AssetKind.PATENT else ASSET_MODELS[body.asset_type]
    asset = model.objects.filter(pk=body.asset_id).first()
    if asset is None:
        raise Http404
    claim = services.create_claim(
        actor=user, asset=asset, evidence=body.evidence, explanation=body.explanation
    )
    return 201, claim


@router.post(
    "/assets/claims/{claim_id}/decision", response=ClaimOut, summary="Confirm or reject a claim (operators)"
)
def decide_claim(request: HttpRequest, claim_id: UUID, body: ClaimDecisionIn) -> Any:
    require_role(caller(request), Role.OPERATOR, what="decide asset claims")
    claim = AssetClaim.objects.filter(pk=claim_id).first()
    if claim is None:
        raise Http404
    return services.decide_claim(actor=caller(request), claim=claim, confirm=body.confirm, note=body.note)
