"""Organisation kinds, roles, and which role may sit where (separation of duties, 三权分立)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    CENTRE = "centre", _("District IP service centre")
    ENTERPRISE = "enterprise", _("Enterprise")
    UNIVERSITY = "university", _("University")
    INSTITUTE = "institute", _("Research institute")
    BANK = "bank", _("Bank")
    GUARANTOR = "guarantor", _("Guarantor")
    INSURER = "insurer", _("Insurer")
    AGENCY = "agency", _("IP service agency")
    APPRAISAL = "appraisal", _("Appraisal institution")


class Workspace(models.TextChoices):
    """The workspace a signed-in user lands on, by organisation kind."""

    OPERATOR = "operator", _("District IP service centre")
    ENTERPRISE = "enterprise", _("Enterprise")
    RESEARCH = "research", _("University / research institute")
    FINANCE = "finance", _("Bank / guarantor / insurer")
    AGENCY = "agency", _("Service agency")
    APPRAISAL = "appraisal", _("Appraisal institution")


WORKSPACE_OF_KIND: dict[str, Workspace] = {
    OrgKind.CENTRE: Workspace.OPERATOR,
    OrgKind.ENTERPRISE: Workspace.ENTERPRISE,
    OrgKind.UNIVERSITY: Workspace.RESEARCH,
    OrgKind.INSTITUTE: Workspace.RESEARCH,
    OrgKind.BANK: Workspace.FINANCE,
    OrgKind.GUARANTOR: Workspace.FINANCE,
    OrgKind.INSURER: Workspace.FINANCE,
    OrgKind.AGENCY: Workspace.AGENCY,
    OrgKind.APPRAISAL: Workspace.APPRAISAL,
}


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    MEMBER = "member", _("Member")
    OPERATOR = "operator", _("Platform operator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDITOR = "auditor", _("Auditor")


# Roles only the district centre's staff may hold.
CENTRE_ROLES = frozenset({Role.OPERATOR, Role.SECURITY_ADMIN, Role.AUDITOR})
# 三权分立: system/business operation, security administration and audit never sit with one person.
MUTUALLY_EXCLUSIVE_ROLES = frozenset({Role.OPERATOR, Role.SECURITY_ADMIN, Role.AUDITOR})
# Roles an organisation administrator may hand out inside their own organisation.
ORG_ASSIGNABLE_ROLES = frozenset({Role.ORG_ADMIN, Role.MEMBER})
