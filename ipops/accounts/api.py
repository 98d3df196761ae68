"""API endpoints for the signed-in user, organisations and invitations (thin: services decide)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from ipops.accounts import services
from ipops.accounts.models import Organisation
from ipops.accounts.roles import Role
from ipops.core.api import Pagination, caller
from ipops.core.permissions import deny, require_role

router = Router(tags=["accounts"])


class OrganisationOut(Schema):
    id: UUID
    name: str
    name_en: str
    kind: str
    uscc: str
    status: str
    region_code: str
    created_at: datetime


class MeOut(Schema):
    id: UUID
    username: str
    full_name: str
    email: str
    roles: list[str]
    organisation: OrganisationOut | None

    @staticmethod
    def resolve_roles(user: Any) -> list[str]:
        return sorted(user.role_set)


@router.get("/me", response=MeOut, summary="The caller: account, roles and organisation")
def me(request: HttpRequest) -> Any:
    return request.user


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations the caller may see")
@paginate(Pagination)
def list_organisations(request: HttpRequest, status: str = "", kind: str = "") -> Any:
    orgs = services.visible_organisations(request.user)
    if status:
        orgs = orgs.filter(status=status)
    if kind:
        orgs = orgs.filter(kind=kind)
    return orgs


def visible_organisation(request: HttpRequest, org_id: UUID) -> Organisation:
    org = services.visible_organisations(request.user).filter(pk=org_id).first()
    if org is None:
        if Organisation.objects.filter(pk=org_id).exists():
            raise deny(request.user, "view another organisation")
        raise Http404
    return org


@router.get("/organisations/{org_id}", response=OrganisationOut, summary="One organisation")
def get_organisation(request: HttpRequest, org_id: UUID) -> Any:
    return visible_organisation(request, org_id)


class DecisionIn(Schema):
    approve: bool
    note: str = ""


@router.post(
    "/organisations/{org_id}/decision", response=OrganisationOut, summary="Approve or reject (operators)"
)
def decide(request: HttpRequest, org_id: UUID, body: DecisionIn) -> Any:
    require_role(request.user, Role.OPERATOR, what="approve organisations")
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise Http404
    services.decide_organisation(
        actor=caller(request), organisation=org, approve=body.approve, note=body.note
    )
    return org


class InvitationIn(Schema):
    email: str
    role: str = Role.MEMBER


class InvitationOut(Schema):
    id: UUID
    email: str
    role: str
    expires_at: datetime
    accept_path: str


@router.post(
    "/organisations/{org_id}/invitations",
    response={201: InvitationOut},
    summary="Invite a person into the organisation (organisation administrators)",
)
def invite(request: HttpRequest, org_id: UUID, body: InvitationIn) -> Any:
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise Http404
    issued = services.invite_user(actor=caller(request), organisation=org, email=body.email, role=body.role)
    inv = issued.invitation
    return 201, {
        "id": inv.pk,
        "email": inv.email,
        "role": inv.role,
        "expires_at": inv.expires_at,
        "accept_path": issued.path,
    }
