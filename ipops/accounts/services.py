"""Every change to organisations, users, roles, invitations and tokens goes through these functions.

Each takes keyword-only arguments, runs in one transaction and writes one audit entry. Permission checks
live here too, so that web pages and the API cannot disagree about who may do what.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops.accounts.models import ApiToken, Invitation, Organisation, PasswordHistory, User, UserRole
from ipops.accounts.roles import (
    CENTRE_ROLES,
    MUTUALLY_EXCLUSIVE_ROLES,
    ORG_ASSIGNABLE_ROLES,
    OrgKind,
    Role,
)
from ipops.core import audit
from ipops.core.permissions import deny, has_role, require_member, require_role
from ipops.core.validators import normalise_uscc, validate_uscc


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def check_uscc_free(uscc: str, *, exclude: Organisation | None = None) -> str:
    code = normalise_uscc(uscc)
    validate_uscc(code)
    taken = Organisation.objects.filter(uscc=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError(
            {"uscc": _("An organisation with this unified social credit code is already registered.")}
        )
    return code


def set_password(*, user: User, password: str) -> None:
    """Validate against the policy (incl. history), then store, keeping the old hash in the history."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from None
    if user.password and not user._state.adding:
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[
            : max(settings.IPOPS_PASSWORD_HISTORY, 1)
        ]
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
    user.set_password(password)
    user.password_changed_at = timezone.now()


def validate_upload(upload: UploadedFile | None) -> None:
    if upload is None:
        return
    limit = settings.IPOPS_MAX_UPLOAD_MB * 1024 * 1024
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                "licence_file": _("The file is %(size).1f MB; the largest allowed is %(limit)d MB.")
                % {"size": upload.size / 1024 / 1024, "limit": settings.IPOPS_MAX_UPLOAD_MB}
            }
        )
    name = (upload.name or "").lower()
    if not name.endswith((".pdf", ".jpg", ".jpeg", ".png")):
        raise ValidationError({"licence_file": _("Upload the business licence as PDF, JPG or PNG.")})


@transaction.atomic
def register_organisation(
    *,
    name: str,
    kind: str,
    uscc: str,
    username: str,
    email: str,
    password: str,
    full_name: str = "",
    name_en: str = "",
    address: str = "",
    region_code: str = "",
    contact_phone: str = "",
    licence_file: UploadedFile | None = None,
) -> Organisation:
    """A new organisation (awaiting approval) and its first user, who becomes its administrator."""
    if kind == OrgKind.CENTRE:
        raise ValidationError({"kind": _("The district IP service centre cannot be registered online.")})
    if kind not in OrgKind.values:
        raise ValidationError({"kind": _("Choose an organisation type from the list.")})
    code = normalise_uscc(uscc)
    rejected = Organisation.objects.filter(uscc=code, status=Organisation.Status.REJECTED).first()
    check_uscc_free(code, exclude=rejected)
    same_name = Organisation.objects.filter(name=name.strip())
    if rejected is not None:
        same_name = same_name.exclude(pk=rejected.pk)
    if same_name.exists():
        raise ValidationError({"name": _("An organisation with this name is already registered.")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This user name is taken; choose another.")})
    validate_upload(licence_file)
    # A rejected registration may be made again: the same record is reopened for a new decision.
    org = rejected or Organisation(uscc=code)
    before = audit.snapshot(org) if rejected else None
    org.name, org.name_en, org.kind = name.strip(), name_en.strip(), kind
    org.address, org.region_code = address, region_code
    org.contact_name, org.contact_phone, org.contact_email = full_name, contact_phone, email
    org.status, org.decided_at, org.decision_note = Organisation.Status.PENDING, None, ""
    if licence_file is not None:
        org.licence_file = licence_file
    org.full_clean()
    org.save()
    user = User(username=username, email=email, full_name=full_name, organisation=org)
    set_password(user=user, password=password)
    user.full_clean()
    user.save()
    UserRole.objects.create(user=user, role=Role.ORG_ADMIN)
    audit.record(
        action="organisation.reapply" if rejected else "organisation.register",
        actor=user,
        organisation=org,
        target=org,
        before={"organisation": before} if before else None,
        after={"organisation": audit.snapshot(org), "admin": audit.snapshot(user), "roles": [Role.ORG_ADMIN]},
    )
    return org


@transaction.atomic
def decide_organisation(*, actor: User, organisation: Organisation, approve: bool, note: str = "") -> None:
    """An operator approves or rejects a pending registration."""
    require_role(actor, Role.OPERATOR, what="approve organisations")
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if org.status != Organisation.Status.PENDING:
        raise ValidationError(_("This registration has already been decided."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Give the reason for the rejection; the applicant will see it.")})
    before = audit.snapshot(org)
    org.status = Organisation.Status.ACTIVE if approve else Organisation.Status.REJECTED
    org.decided_at = timezone.now()
    org.decision_note = note.strip()
    org.save()
    audit.record_update(
        action="organisation.approve" if approve else "organisation.reject",
        actor=actor,
        organisation=org,
        target=org,
        before=before,
    )
    organisation.refresh_from_db()


@transaction.atomic
def set_organisation_suspended(
    *, actor: User, organisation: Organisation, suspended: bool, note: str
) -> None:
    require_role(actor, Role.OPERATOR, what="suspend organisations")
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if org.kind == OrgKind.CENTRE:
        raise ValidationError(_("The district IP service centre cannot be suspended."))
    allowed_from = Organisation.Status.ACTIVE if suspended else Organisation.Status.SUSPENDED
    if org.status != allowed_from:
        raise ValidationError(
            _("Only an active organisation can be suspended, and only a suspended one resumed.")
        )
    before = audit.snapshot(org)
    org.status = Organisation.Status.SUSPENDED if suspended else Organisation.Status.ACTIVE
    org.decision_note = note.strip()
    org.save()
    audit.record_update(
        action="organisation.suspend" if suspended else "organisation.resume",
        actor=actor,
        organisation=org,
        target=org,
        before=before,
    )
    organisation.refresh_from_db()


def check_role_allowed(*, user: User, role: str, roles_after: set[str]) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    org = user.organisation
    if role in CENTRE_ROLES and (org is None or org.kind != OrgKind.CENTRE):
        raise ValidationError({"role": _("Only staff of the district IP service centre can hold this role.")})
    if len(roles_after & MUTUALLY_EXCLUSIVE_ROLES) > 1:
        raise ValidationError(
            {
                "role": _(
                    "Separation of duties: operator, security administrator and auditor must be "
                    "three different people."
                )
            }
        )


def may_manage_roles(actor: User, user: User, role: str) -> bool:
    """Security admins manage every account; an organisation administrator their own members' roles."""
    if has_role(actor, Role.SECURITY_ADMIN):
        return True
    return (
        has_role(actor, Role.ORG_ADMIN)
        and actor.organisation_id == user.organisation_id
        and role in ORG_ASSIGNABLE_ROLES
    )


def grantable_roles(actor: User, user: User) -> list[str]:
    """The roles this actor could grant this user now (allowed for the organisation and duty-separated)."""
    current = set(user.roles.values_list("role", flat=True))
    grantable = []
    for role in Role.values:
        if role in current or not may_manage_roles(actor, user, role):
            continue
        try:
            check_role_allowed(user=user, role=role, roles_after=current | {role})
        except ValidationError:
            continue
        grantable.append(role)
    return grantable


@transaction.atomic
def grant_role(*, actor: User, user: User, role: str) -> None:
    if not may_manage_roles(actor, user, role):
        raise deny(actor, f"grant role {role}", target=user)
    current = set(user.roles.values_list("role", flat=True))
    if role in current:
        return
    check_role_allowed(user=user, role=role, roles_after=current | {role})
    UserRole.objects.create(user=user, role=role)
    user.forget_roles()
    audit.record(
        action="user.grant_role",
        actor=actor,
        organisation=user.organisation,
        target=user,
        before={"roles": sorted(current)},
        after={"roles": sorted(current | {role})},
    )


@transaction.atomic
def revoke_role(*, actor: User, user: User, role: str) -> None:
    if not may_manage_roles(actor, user, role):
        raise deny(actor, f"revoke role {role}", target=user)
    current = set(user.roles.values_list("role", flat=True))
    if role not in current:
        return
    if actor.pk == user.pk and role in (Role.SECURITY_ADMIN, Role.ORG_ADMIN):
        raise ValidationError({"role": _("You cannot take your own administrator role away.")})
    UserRole.objects.filter(user=user, role=role).delete()
    user.forget_roles()
    audit.record(
        action="user.revoke_role",
        actor=actor,
        organisation=user.organisation,
        target=user,
        before={"roles": sorted(current)},
        after={"roles": sorted(current - {role})},
    )


def may_manage_account(actor: User, user: User) -> bool:
    if has_role(actor, Role.SECURITY_ADMIN):
        return True
    return has_role(actor, Role.ORG_ADMIN) and actor.organisation_id == user.organisation_id


@transaction.atomic
def set_user_active(*, actor: User, user: User, active: bool) -> None:
    if not may_manage_account(actor, user):
        raise deny(actor, "activate or deactivate accounts", target=user)
    if actor.pk == user.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_active == active:
        return
    locked.is_active = active
    locked.save(update_fields=["is_active"])
    audit.record(
        action="user.activate" if active else "user.deactivate",
        actor=actor,
        organisation=user.organisation,
        target=user,
        before={"is_active": not active},
        after={"is_active": active},
    )
    user.refresh_from_db()


@transaction.atomic
def unlock_user(*, actor: User, user: User) -> None:
    require_role(actor, Role.SECURITY_ADMIN, what="unlock accounts")
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = {"failed_logins": locked.failed_logins, "locked_until": locked.locked_until}
    locked.failed_logins, locked.locked_until = 0, None
    locked.save(update_fields=["failed_logins", "locked_until"])
    audit.record(
        action="user.unlock",
        actor=actor,
        organisation=user.organisation,
        target=user,
        before=before,
        after={"failed_logins": 0, "locked_until": None},
    )
    user.refresh_from_db()


@transaction.atomic
def change_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("The current password is not correct.")})
    locked = User.objects.select_for_update().get(pk=user.pk)
    set_password(user=locked, password=new_password)
    locked.must_change_password = False
    locked.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit.record(action="user.change_password", actor=user, target=user, after={"password": audit.REDACTED})
    user.password = locked.password
    user.must_change_password = False


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str

    @property
    def path(self) -> str:
        from django.urls import reverse

        return reverse("accounts:accept_invitation", args=[self.token])


@transaction.atomic
def invite_user(
    *, actor: User, organisation: Organisation, email: str, role: str = Role.MEMBER
) -> IssuedInvitation:
    """Invite a person by e-mail: an organisation administrator into their own organisation (as
    administrator or member); a security administrator into any organisation, including the centre's
    operator, security administrator and auditor roles."""
    security_admin = has_role(actor, Role.SECURITY_ADMIN)
    if not security_admin:
        require_member(actor, organisation, Role.ORG_ADMIN, what="invite users")
    if not organisation.is_active:
        raise ValidationError(_("Users can be invited once the organisation has been approved."))
    allowed = set(ORG_ASSIGNABLE_ROLES)
    if security_admin and organisation.kind == OrgKind.CENTRE:
        allowed |= CENTRE_ROLES
    if role not in allowed:
        raise ValidationError({"role": _("This role cannot be given to members of this organisation.")})
    try:
        validate_email(email.strip())
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email.strip().lower(),
        role=role,
        token_hash=token_digest(token),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.IPOPS_INVITATION_DAYS),
    )
    invitation.full_clean()
    audit.record(
        action="invitation.create",
        actor=actor,
        organisation=organisation,
        target=invitation,
        after=audit.snapshot(invitation),
    )
    return IssuedInvitation(invitation=invitation, token=token)


@transaction.atomic
def revoke_invitation(*, actor: User, invitation: Invitation) -> None:
    """Withdraw an open invitation (its link stops working)."""
    if not has_role(actor, Role.SECURITY_ADMIN):
        require_member(actor, invitation.organisation, Role.ORG_ADMIN, what="revoke invitations")
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is not None or locked.revoked_at is not None:
        raise ValidationError(_("This invitation is no longer open."))
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at", "updated_at"])
    audit.record(
        action="invitation.revoke",
        actor=actor,
        organisation=locked.organisation,
        target=locked,
        after={"revoked_at": locked.revoked_at},
    )
    invitation.refresh_from_db()


def temporary_password() -> str:
    """A random password that satisfies the policy; the user must replace it at the next log-in."""
    return f"Tmp-{secrets.token_urlsafe(12)}-{secrets.randbelow(90) + 10}"


@transaction.atomic
def reset_password(*, actor: User, user: User) -> str:
    """A security administrator gives a user a temporary password (shown once) and unlocks the account."""
    require_role(actor, Role.SECURITY_ADMIN, what="reset passwords")
    if actor.pk == user.pk:
        raise ValidationError(_("Change your own password on the password page."))
    locked = User.objects.select_for_update().get(pk=user.pk)
    password = temporary_password()
    set_password(user=locked, password=password)
    locked.must_change_password = True
    locked.failed_logins, locked.locked_until = 0, None
    locked.save(
        update_fields=[
            "password",
            "password_changed_at",
            "must_change_password",
            "failed_logins",
            "locked_until",
        ]
    )
    audit.record(
        action="user.reset_password",
        actor=actor,
        organisation=user.organisation,
        target=user,
        after={"password": audit.REDACTED, "must_change_password": True},
    )
    user.refresh_from_db()
    return password


def find_invitation(token: str) -> Invitation:
    """The open invitation for this token, or a ValidationError saying why it cannot be used."""
    invitation = (
        Invitation.objects.select_related("organisation").filter(token_hash=token_digest(token)).first()
    )
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError(
            _("This invitation link is not valid. Ask your organisation administrator for a new one.")
        )
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used. Log in with the account it created."))
    if invitation.is_expired:
        raise ValidationError(
            _("This invitation expired on %(date)s. Ask your organisation administrator to invite you again.")
            % {"date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")}
        )
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, username: str, password: str, full_name: str = "") -> User:
    invitation = find_invitation(token)
    Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This user name is taken; choose another.")})
    user = User(
        username=username, email=invitation.email, full_name=full_name, organisation=invitation.organisation
    )
    set_password(user=user, password=password)
    user.full_clean()
    user.save()
    check_role_allowed(user=user, role=invitation.role, roles_after={invitation.role})
    UserRole.objects.create(user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user", "updated_at"])
    audit.record(
        action="invitation.accept",
        actor=user,
        organisation=invitation.organisation,
        target=user,
        after={"user": audit.snapshot(user), "roles": [invitation.role], "invitation": str(invitation.pk)},
    )
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str


@transaction.atomic
def create_api_token(*, actor: User, name: str, days: int | None = 90) -> IssuedToken:
    if not actor.is_authenticated or not actor.is_active:
        raise deny(actor, "create API tokens")
    key = "ipops_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name.strip() or "API",
        prefix=key[:12],
        key_hash=token_digest(key),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    audit.record(action="api_token.create", actor=actor, target=token, after=audit.snapshot(token))
    return IssuedToken(token=token, key=key)


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk and not has_role(actor, Role.SECURITY_ADMIN):
        raise deny(actor, "revoke another user's API token", target=token)
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit.record(
        action="api_token.revoke",
        actor=actor,
        organisation=token.user.organisation,
        target=token,
        after={"revoked_at": token.revoked_at},
    )


def user_for_api_key(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(key_hash=token_digest(key))
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def visible_organisations(user: Any) -> Any:
    """Centre staff see every organisation; everyone else only their own."""
    if has_role(user, Role.OPERATOR, Role.SECURITY_ADMIN, Role.AUDITOR):
        return Organisation.objects.all()
    if getattr(user, "is_authenticated", False) and user.organisation_id:
        return Organisation.objects.filter(pk=user.organisation_id)
    return Organisation.objects.none()


@dataclass(frozen=True)
class StaffAccount:
    username: str
    role: str
    password: str
    full_name: str = ""
    email: str = ""
    must_change_password: bool = False


@transaction.atomic
def bootstrap_centre(*, name: str, uscc: str, staff: list[StaffAccount], name_en: str = "") -> Organisation:
    """First start of a platform: the district centre and its staff (no operator exists yet to approve)."""
    if Organisation.objects.filter(kind=OrgKind.CENTRE).exists():
        raise ValidationError(_("The district IP service centre already exists."))
    org = Organisation(
        name=name,
        name_en=name_en,
        kind=OrgKind.CENTRE,
        uscc=check_uscc_free(uscc),
        status=Organisation.Status.ACTIVE,
        decided_at=timezone.now(),
    )
    org.full_clean()
    org.save()
    created = []
    for account in staff:
        user = User(
            username=account.username,
            full_name=account.full_name,
            email=account.email,
            organisation=org,
            must_change_password=account.must_change_password,
        )
        set_password(user=user, password=account.password)
        user.full_clean()
        user.save()
        check_role_allowed(user=user, role=account.role, roles_after={account.role})
        UserRole.objects.create(user=user, role=account.role)
        created.append({"username": user.username, "role": account.role})
    audit.record(
        action="organisation.bootstrap",
        actor=None,
        organisation=org,
        target=org,
        after={"organisation": audit.snapshot(org), "staff": created},
    )
    return org
