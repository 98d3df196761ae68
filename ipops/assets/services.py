"""Every change to the asset registry and to asset claims goes through these functions.

Each takes keyword-only arguments, runs in one transaction and writes one audit entry; permission checks
live here, so pages and the API cannot disagree about who may do what.

Who may do what:
- read the registry: members of approved organisations (registration data is public record);
- enter assets (form or import): operators, for any approved organisation; organisation administrators and
  members, for their own organisation;
- edit an asset: operators; administrators and members of the organisation it was entered for or of its
  confirmed owner;
- set the owner (holder) organisation directly: operators only (others claim);
- claim an asset: administrators and members of an approved organisation, for their organisation;
- confirm or reject a claim: operators.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops.accounts.models import Organisation, User
from ipops.accounts.roles import Role
from ipops.assets import importing
from ipops.assets.models import (
    ASSET_MODELS,
    CLAIM_FIELDS,
    Asset,
    AssetClaim,
    AssetImport,
    AssetKind,
)
from ipops.assets.validators import normalise_number
from ipops.core import audit
from ipops.core.permissions import deny, has_role, is_member_of_active, require_role
from ipops.patents.importers.base import FileProblem
from ipops.patents.models import Patent

ENTRY_ROLES = (Role.ORG_ADMIN, Role.MEMBER)
ClaimableAsset = Patent | Asset


# --- who may do what ----------------------------------------------------------------------------------


def may_read(user: Any) -> bool:
    return is_member_of_active(user)


def may_enter(user: Any) -> bool:
    return has_role(user, Role.OPERATOR, *ENTRY_ROLES)


def may_edit(user: Any, asset: Asset) -> bool:
    if has_role(user, Role.OPERATOR):
        return True
    return has_role(user, *ENTRY_ROLES) and user.organisation_id in (
        asset.organisation_id,
        asset.owner_org_id,
    )


def may_claim(user: Any) -> bool:
    return has_role(user, *ENTRY_ROLES)


def entry_organisation(actor: Any, organisation: Organisation | None) -> Organisation:
    """The organisation assets are entered for: members their own; operators any approved one."""
    if has_role(actor, Role.OPERATOR):
        chosen: Organisation = organisation or actor.organisation
        if not chosen.is_active:
            raise ValidationError({"organisation": _("Choose an approved organisation.")})
        return chosen
    require_role(actor, Role.OPERATOR, *ENTRY_ROLES, what="enter IP assets")
    if organisation is not None and organisation.pk != actor.organisation_id:
        raise deny(actor, "enter IP assets for another organisation", target=organisation)
    own: Organisation = actor.organisation
    return own


def check_values(actor: Any, model: type[Asset], values: dict[str, Any]) -> None:
    editable = {f.name for f in model._meta.fields if f.editable} - {
        "id",
        "created_at",
        "updated_at",
        "organisation",
        "created_by",
    }
    unknown = sorted(set(values) - editable)
    if unknown:
        raise ValueError(f"not asset fields: {unknown}")
    if model.OWNER_ORG in values and not has_role(actor, Role.OPERATOR):
        current = values[model.OWNER_ORG]
        if current is not None:
            raise deny(actor, "set the owner organisation of an asset (operators only; claim it instead)")
        values.pop(model.OWNER_ORG)


# --- entering and editing assets -------------------------------------------------------------------------


@transaction.atomic
def create_asset(
    *, actor: User, kind: str, values: dict[str, Any], organisation: Organisation | None = None
) -> Asset:
    """A new trademark, copyright or GI entered for `organisation` (members: their own)."""
    model = ASSET_MODELS[kind]
    org = entry_organisation(actor, organisation)
    values = dict(values)
    check_values(actor, model, values)
    asset = model(organisation=org, created_by=actor)
    for name, value in values.items():
        setattr(asset, name, value)
    asset.full_clean()
    asset.save()
    audit.record(
        action=f"{kind}.create", actor=actor, organisation=org, target=asset, after=audit.snapshot(asset)
    )
    return asset


@transaction.atomic
def update_asset(*, actor: User, asset: Asset, values: dict[str, Any]) -> Asset:
    """Change a stored asset (operators; its organisation's or its owner's administrators and members)."""
    model = type(asset)
    locked = model.objects.select_for_update().get(pk=asset.pk)
    if not may_edit(actor, locked):
        raise deny(actor, f"edit this {model.KIND}", target=locked)
    values = dict(values)
    check_values(actor, model, values)
    before = audit.snapshot(locked)
    locked.before_update(values)
    for name, value in values.items():
        setattr(locked, name, value)
    locked.full_clean()
    changed_before, _changed_after = audit.diff(before, audit.snapshot(locked))
    if not changed_before:
        return locked
    locked.save()
    audit.record_update(
        action=f"{model.KIND}.update",
        actor=actor,
        organisation=locked.organisation,
        target=locked,
        before=before,
    )
    return locked


@transaction.atomic
def import_assets(
    *, actor: User, kind: str, path: Path, file_name: str, organisation: Organisation | None = None
) -> AssetImport:
    """Import one CSV/XLSX file of one kind of asset, all in one transaction: rows that cannot be loaded are
    reported (line, column, value, reason); a file that cannot be read at all leaves nothing behind."""
    if kind not in ASSET_MODELS:
        raise ValidationError({"kind": _("Unknown asset type.")})
    org = entry_organisation(actor, organisation)
    model = ASSET_MODELS[kind]
    try:
        outcome = importing.run(
            kind=kind,
            path=path,
            new_asset=lambda: model(organisation=org, created_by=actor),
            may_update=lambda existing: may_edit(actor, existing),
        )
    except FileProblem as exc:
        raise ValidationError({"file": exc.message}) from None
    record = AssetImport.objects.create(
        kind=kind,
        file_name=file_name[:300],
        organisation=org,
        created_by=actor,
        rows_read=outcome.rows_read,
        created=outcome.created,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        rejected=outcome.rejected,
        problems=[
            {"line": p.line, "column": p.column, "value": p.value, "reason": p.reason}
            for p in outcome.problems
        ],
        ignored_columns=outcome.ignored_columns,
    )
    audit.record(
        action=f"{kind}.import",
        actor=actor,
        organisation=org,
        target=record,
        after={
            "file": record.file_name,
            "rows_read": record.rows_read,
            "created": record.created,
            "updated": record.updated,
            "unchanged": record.unchanged,
            "rejected": record.rejected,
            "changes": outcome.changes,
        },
    )
    return record


# --- claims -------------------------------------------------------------------------------------------------


def kind_of(asset: ClaimableAsset) -> str:
    return AssetKind.PATENT if isinstance(asset, Patent) else str(asset.KIND)


def claims_on(asset: ClaimableAsset) -> QuerySet[AssetClaim]:
    return AssetClaim.objects.filter(**{CLAIM_FIELDS[kind_of(asset)]: asset})


def confirmed_owners(asset: ClaimableAsset) -> list[Organisation]:
    """The organisations the asset is linked to: its owner organisation and those with a confirmed claim."""
    ids = set(
        claims_on(asset).filter(status=AssetClaim.Status.CONFIRMED).values_list("organisation_id", flat=True)
    )
    if not isinstance(asset, Patent) and asset.owner_org_id is not None:
        ids.add(asset.owner_org_id)
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def claimed_patents(organisation: Organisation) -> QuerySet[Patent]:
    """The patents confirmed as this organisation's (by claims; patent rows themselves are not changed)."""
    confirmed = AssetClaim.objects.filter(
        organisation=organisation, asset_type=AssetKind.PATENT, status=AssetClaim.Status.CONFIRMED
    )
    return Patent.objects.filter(pk__in=confirmed.values("patent_id"))


def owned_assets(organisation: Organisation, kind: str) -> QuerySet[Any]:
    """Trademarks, copyrights or GIs linked to the organisation: as owner, or by a confirmed claim."""
    if kind == AssetKind.PATENT:
        return claimed_patents(organisation)
    model = ASSET_MODELS[kind]
    confirmed = AssetClaim.objects.filter(
        organisation=organisation, asset_type=kind, status=AssetClaim.Status.CONFIRMED
    )
    return model.objects.filter(
        Q(**{model.OWNER_ORG: organisation}) | Q(pk__in=confirmed.values(CLAIM_FIELDS[kind] + "_id"))
    )


def visible_claims(user: Any) -> QuerySet[AssetClaim]:
    """Operators see every claim; members of an approved organisation their organisation's."""
    claims = AssetClaim.objects.select_related(
        "organisation", "patent", "trademark", "copyright", "gi", "created_by", "decided_by"
    )
    if has_role(user, Role.OPERATOR):
        return claims
    if is_member_of_active(user):
        return claims.filter(organisation_id=user.organisation_id)
    return claims.none()


def lock_asset(asset: ClaimableAsset) -> ClaimableAsset:
    """Lock the asset's row: concurrent claims and decisions on one asset run one after the other."""
    locked: ClaimableAsset = type(asset).objects.select_for_update().get(pk=asset.pk)
    return locked


@transaction.atomic
def create_claim(*, actor: User, asset: ClaimableAsset, evidence: str, explanation: str = "") -> AssetClaim:
    """The actor's organisation claims the asset as its own; an operator decides."""
    if not may_claim(actor):
        raise deny(actor, "claim IP assets", target=asset)
    org = actor.organisation
    assert org is not None  # may_claim: a member of an approved organisation
    asset = lock_asset(asset)
    claims = claims_on(asset)
    if claims.filter(organisation=org, status=AssetClaim.Status.PENDING).exists():
        raise ValidationError(_("Your organisation already has a pending claim on this asset."))
    owners = confirmed_owners(asset)
    if any(o.pk == org.pk for o in owners):
        raise ValidationError(_("This asset is already confirmed as your organisation's."))
    if not evidence.strip():
        raise ValidationError(
            {"evidence": _("Say what shows the asset is yours (certificate, assignment, …).")}
        )
    if owners and not explanation.strip():
        raise ValidationError(
            {
                "explanation": _(
                    "This asset is already confirmed for %(owners)s. Explain why it is also yours "
                    "(co-ownership, assignment)."
                )
                % {"owners": "、".join(o.name for o in owners)}
            }
        )
    kind = kind_of(asset)
    claim = AssetClaim(
        organisation=org,
        asset_type=kind,
        evidence=evidence.strip(),
        explanation=explanation.strip(),
        created_by=actor,
    )
    setattr(claim, CLAIM_FIELDS[kind], asset)
    claim.full_clean()
    claim.save()
    audit.record(
        action="asset_claim.create", actor=actor, organisation=org, target=claim, after=audit.snapshot(claim)
    )
    return claim


@transaction.atomic
def decide_claim(*, actor: User, claim: AssetClaim, confirm: bool, note: str = "") -> AssetClaim:
    """An operator confirms or rejects (with a reason) a pending claim. A confirmed claim links the asset to
    the claimant: a trademark, copyright or GI without an owner organisation gets the claimant as owner;
    a patent is linked by the claim alone (patent rows are not changed)."""
    require_role(actor, Role.OPERATOR, what="decide asset claims")
    locked = AssetClaim.objects.select_for_update().get(pk=claim.pk)
    if locked.status != AssetClaim.Status.PENDING:
        raise ValidationError(_("This claim has already been decided."))
    if not confirm and not note.strip():
        raise ValidationError({"note": _("Give the reason for the rejection; the claimant will see it.")})
    asset = lock_asset(locked.asset)
    if confirm:
        others = [o for o in confirmed_owners(asset) if o.pk != locked.organisation_id]
        if others and not locked.explanation:
            raise ValidationError(
                _(
                    "Meanwhile the asset was confirmed for %(owners)s and this claim gives no explanation: "
                    "reject it, and the claimant can claim again with one."
                )
                % {"owners": "、".join(o.name for o in others)}
            )
    before = audit.snapshot(locked)
    locked.status = AssetClaim.Status.CONFIRMED if confirm else AssetClaim.Status.REJECTED
    locked.decided_by, locked.decided_at, locked.note = actor, timezone.now(), note.strip()
    locked.save()
    changed_before, changed_after = audit.diff(before, audit.snapshot(locked))
    after: dict[str, Any] = {"claim": changed_after}
    if confirm and not isinstance(asset, Patent) and asset.owner_org_id is None:
        setattr(asset, asset.OWNER_ORG, locked.organisation)
        asset.save(update_fields=[asset.OWNER_ORG, "updated_at"])
        after["asset"] = {"id": str(asset.pk), f"{asset.OWNER_ORG}_id": str(locked.organisation_id)}
    audit.record(
        action="asset_claim.confirm" if confirm else "asset_claim.reject",
        actor=actor,
        organisation=locked.organisation,
        target=locked,
        before={"claim": changed_before},
        after=after,
    )
    claim.refresh_from_db()
    return locked


def find_asset(kind: str, number: str) -> ClaimableAsset | None:
    """The asset of this kind with this number (patents: publication or application number, any spelling)."""
    text = number.strip()
    if not text:
        return None
    if kind == AssetKind.PATENT:
        from ipops.patents.normalize.numbers import parse_cn_application_number, parse_publication_number

        candidates = {text.upper().replace(" ", "")}
        for parse in (parse_publication_number, parse_cn_application_number):
            try:
                candidates.add(parse(text).compact)
            except ValueError:
                continue
        return Patent.objects.filter(Q(pub_number__in=candidates) | Q(app_number__in=candidates)).first()
    if kind not in ASSET_MODELS:
        return None
    found: Asset | None = ASSET_MODELS[kind].objects.filter(number=normalise_number(kind, text)).first()
    return found


def visible_import(user: Any, record: AssetImport) -> bool:
    """An import's report is for operators, the organisation it was for, and the person who ran it."""
    if has_role(user, Role.OPERATOR):
        return True
    return is_member_of_active(user) and (
        record.organisation_id == user.organisation_id or record.created_by_id == user.pk
    )


def visible_imports(user: Any) -> QuerySet[AssetImport]:
    imports = AssetImport.objects.select_related("organisation", "created_by")
    if has_role(user, Role.OPERATOR):
        return imports
    if is_member_of_active(user):
        return imports.filter(Q(organisation_id=user.organisation_id) | Q(created_by_id=user.pk))
    return imports.none()
