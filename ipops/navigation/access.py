"""Who may do what with a navigation project.

- Operators of the centre that owns a project create it, edit it, manage its team, run it and publish it.
- Analysts on the team (the centre's staff or an agency working for it) edit the scope and strategy, draw
  the sample, give the reference set, run the analyses and write the conclusions.
- Reviewers on the team mark sample patents relevant or not.
- Everyone on the team and the operators comment.
- Nobody else sees an unpublished project; a published report is public (anonymous visitors included).
"""

from __future__ import annotations

from typing import Any

from ipops.accounts.roles import OrgKind, Role
from ipops.core.permissions import deny, has_role, is_member_of_active
from ipops.navigation.models import NavigationProject, ProjectMember

# Which organisations may sit on a team in which role.
TEAM_KINDS: dict[str, frozenset[str]] = {
    ProjectMember.Role.ANALYST: frozenset({OrgKind.CENTRE, OrgKind.AGENCY}),
    ProjectMember.Role.REVIEWER: frozenset(
        {OrgKind.CENTRE, OrgKind.AGENCY, OrgKind.UNIVERSITY, OrgKind.INSTITUTE}
    ),
}


def is_operator(user: Any) -> bool:
    return has_role(user, Role.OPERATOR)


def is_operator_of(user: Any, project: NavigationProject) -> bool:
    return is_operator(user) and user.organisation_id == project.organisation_id


def team_roles(user: Any, project: NavigationProject) -> set[str]:
    if not is_member_of_active(user):
        return set()
    return set(ProjectMember.objects.filter(project=project, user=user).values_list("role", flat=True))


def can_view(user: Any, project: NavigationProject) -> bool:
    return is_operator_of(user, project) or bool(team_roles(user, project))


def can_edit(user: Any, project: NavigationProject) -> bool:
    return is_operator_of(user, project) or ProjectMember.Role.ANALYST in team_roles(user, project)


def can_review(user: Any, project: NavigationProject) -> bool:
    return ProjectMember.Role.REVIEWER in team_roles(user, project)


def can_comment(user: Any, project: NavigationProject) -> bool:
    return can_view(user, project)


def can_manage(user: Any, project: NavigationProject) -> bool:
    """Team, publication."""
    return is_operator_of(user, project)


def require(allowed: bool, user: Any, what: str, project: NavigationProject) -> None:
    if not allowed:
        raise deny(user, what, target=project)


def visible_projects(user: Any) -> Any:
    """The projects a signed-in user may open (own centre's as operator, or as a team member)."""
    if not is_member_of_active(user):
        return NavigationProject.objects.none()
    mine = NavigationProject.objects.filter(members__user=user)
    if is_operator(user):
        mine = mine | NavigationProject.objects.filter(organisation_id=user.organisation_id)
    return mine.distinct()
