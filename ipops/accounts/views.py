"""Pages for registration, invitations, log-in, passwords, tokens, and the administration of accounts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipops.accounts import services
from ipops.accounts.forms import (
    DecisionForm,
    InvitationAcceptForm,
    InviteForm,
    LoginForm,
    OrganisationFilterForm,
    PasswordChangeForm,
    RegistrationForm,
    RoleForm,
    TokenForm,
    UserFilterForm,
)
from ipops.accounts.models import ApiToken, Invitation, Organisation, User
from ipops.accounts.roles import ORG_ASSIGNABLE_ROLES, Role
from ipops.core.excel import xlsx_response
from ipops.core.forms import add_service_errors
from ipops.core.http import AuthedRequest
from ipops.core.pagination import paginate, query_without_page
from ipops.core.permissions import deny, has_role, require_member, role_required


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


# --- registration and invitations (anonymous) -------------------------------------------------------


def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.register_organisation(
                name=data["name"],
                name_en=data["name_en"],
                kind=data["kind"],
                uscc=data["uscc"],
                address=data["address"],
                licence_file=data.get("licence_file"),
                full_name=data["full_name"],
                contact_phone=data["contact_phone"],
                email=data["email"],
                username=data["username"],
                password=data["password1"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/register_done.html")


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.find_invitation(token)
    except ValidationError as exc:
        return render(request, "accounts/invitation_invalid.html", {"reason": exc.messages[0]}, status=410)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_invitation(
                token=token,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Your account is ready. Log in with your new user name and password.")
            )
            return redirect("accounts:login")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})


# --- the signed-in user's own account ---------------------------------------------------------------


@login_required
def password_change(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("portal:workspace")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def api_tokens(request: AuthedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        issued = services.create_api_token(
            actor=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
        new_key = issued.key
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})


@require_POST
@login_required
def api_token_revoke(request: AuthedRequest, pk: Any) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    services.revoke_api_token(actor=request.user, token=token)
    messages.success(request, _("The token has been revoked."))
    return redirect("accounts:api_tokens")


# --- my organisation (organisation administrators) ---------------------------------------------------


@login_required
def my_organisation(request: AuthedRequest) -> HttpResponse:
    org = request.user.organisation
    if org is None:
        raise Http404
    require_member(request.user, org, what="view organisation members")
    is_admin = request.user.has_role(Role.ORG_ADMIN)
    form = InviteForm(request.POST or None, organisation=org, actor=request.user)
    issued = None
    if request.method == "POST":
        if not is_admin:
            raise deny(request.user, "invite users", target=org)
        if form.is_valid():
            try:
                issued = services.invite_user(
                    actor=request.user,
                    organisation=org,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                form = InviteForm(organisation=org, actor=request.user)
    members = org.users.prefetch_related("roles").order_by("username")
    return render(
        request,
        "accounts/my_organisation.html",
        {
            "org": org,
            "members": members,
            "invitations": org.invitations.filter(accepted_at=None, revoked_at=None),
            "form": form,
            "is_admin": is_admin,
            "issued_url": request.build_absolute_uri(issued.path) if issued else None,
            "assignable_roles": [c for c in Role.choices if c[0] in ORG_ASSIGNABLE_ROLES],
        },
    )


@require_POST
@login_required
def invitation_revoke(request: AuthedRequest, pk: Any) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        services.revoke_invitation(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The invitation has been withdrawn; its link no longer works."))
    return redirect("accounts:my_organisation")


# --- administration: organisations (operators) and accounts (security admins) ------------------------

ORG_COLUMNS = [
    "name",
    "name_en",
    "kind",
    "uscc",
    "status",
    "address",
    "contact_name",
    "contact_phone",
    "created_at",
]


@role_required(Role.OPERATOR, Role.SECURITY_ADMIN)
def organisation_list(request: AuthedRequest) -> HttpResponseBase:
    form = OrganisationFilterForm(request.GET or None)
    orgs = Organisation.objects.all()
    if form.is_valid():
        orgs = form.filter(orgs)
    if request.GET.get("export") == "xlsx":
        fields = {f.name: f for f in Organisation._meta.fields}
        return xlsx_response(
            actor=request.user,
            action="organisation.export",
            filters=form.cleaned_data if form.is_bound and form.is_valid() else {},
            filename="organisations.xlsx",
            sheet_title=_("Organisations"),
            headers=[str(fields[c].verbose_name) for c in ORG_COLUMNS],
            rows=(
                [
                    getattr(o, f"get_{c}_display")() if c in ("kind", "status") else getattr(o, c)
                    for c in ORG_COLUMNS
                ]
                for o in orgs.iterator()
            ),
            tmp_dir=settings.DATA_DIR / "tmp",
        )
    page = paginate(request, orgs)
    return render(
        request,
        "accounts/organisation_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "pending": Organisation.objects.filter(status=Organisation.Status.PENDING).count(),
        },
    )


@role_required(Role.OPERATOR, Role.SECURITY_ADMIN)
def organisation_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    org = get_object_or_404(Organisation, pk=pk)
    action = request.POST.get("action", "")
    may_invite = has_role(request.user, Role.SECURITY_ADMIN) and org.is_active
    invite_form = InviteForm(
        request.POST if action == "invite" else None, organisation=org, actor=request.user
    )
    issued_url = None
    form = DecisionForm(request.POST if action != "invite" else None)
    if action == "invite" and request.method == "POST":
        if invite_form.is_valid():
            try:
                issued = services.invite_user(
                    actor=request.user,
                    organisation=org,
                    email=invite_form.cleaned_data["email"],
                    role=invite_form.cleaned_data["role"],
                )
            except ValidationError as exc:
                add_service_errors(invite_form, exc)
            else:
                issued_url = request.build_absolute_uri(issued.path)
                invite_form = InviteForm(organisation=org, actor=request.user)
    elif request.method == "POST" and form.is_valid():
        try:
            if action in ("approve", "reject"):
                services.decide_organisation(
                    actor=request.user,
                    organisation=org,
                    approve=action == "approve",
                    note=form.cleaned_data["note"],
                )
            elif action in ("suspend", "resume"):
                services.set_organisation_suspended(
                    actor=request.user,
                    organisation=org,
                    suspended=action == "suspend",
                    note=form.cleaned_data["note"],
                )
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Saved: %(org)s is now “%(status)s”.") % {"org": org, "status": org.get_status_display()},
            )
            return redirect("accounts:organisation_detail", pk=org.pk)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "org": org,
            "form": form,
            "members": org.users.prefetch_related("roles"),
            "can_decide": has_role(request.user, Role.OPERATOR),
            "invite_form": invite_form if may_invite else None,
            "issued_url": issued_url,
        },
    )


@role_required(Role.OPERATOR)
def organisation_licence(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    org = get_object_or_404(Organisation, pk=pk)
    if not org.licence_file:
        raise Http404
    return FileResponse(org.licence_file.open("rb"), as_attachment=True)


USER_COLUMNS = [
    "username",
    "full_name",
    "email",
    "organisation",
    "roles",
    "is_active",
    "locked_until",
    "last_login",
]


@role_required(Role.SECURITY_ADMIN, Role.OPERATOR)
def user_list(request: AuthedRequest) -> HttpResponseBase:
    form = UserFilterForm(request.GET or None)
    users = User.objects.select_related("organisation").prefetch_related("roles")
    if form.is_valid():
        users = form.filter(users)
    if request.GET.get("export") == "xlsx":
        headers = [
            _("User name"),
            _("Full name"),
            _("E-mail"),
            _("Organisation"),
            _("Roles"),
            _("Active"),
            _("Locked until"),
            _("Last log-in"),
        ]
        return xlsx_response(
            actor=request.user,
            action="user.export",
            filters=form.cleaned_data if form.is_bound and form.is_valid() else {},
            filename="users.xlsx",
            sheet_title=_("Users"),
            headers=headers,
            rows=(
                [
                    u.username,
                    u.full_name,
                    u.email,
                    u.organisation or "",
                    ", ".join(str(Role(r.role).label) for r in u.roles.all()),
                    u.is_active,
                    u.locked_until,
                    u.last_login,
                ]
                for u in users
            ),
            tmp_dir=settings.DATA_DIR / "tmp",
        )
    page = paginate(request, users)
    return render(
        request, "accounts/user_list.html", {"form": form, "page": page, "query": query_without_page(request)}
    )


@role_required(Role.SECURITY_ADMIN, Role.OPERATOR, Role.ORG_ADMIN)
def user_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    user = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    actor = request.user
    if not (
        has_role(actor, Role.SECURITY_ADMIN, Role.OPERATOR) or actor.organisation_id == user.organisation_id
    ):
        raise deny(actor, "view another organisation's user", target=user)
    form = RoleForm(request.POST or None)
    temporary_password = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("grant", "revoke"):
                if not form.is_valid():
                    raise ValidationError(_("Choose a role."))
                func = services.grant_role if action == "grant" else services.revoke_role
                func(actor=actor, user=user, role=form.cleaned_data["role"])
            elif action in ("activate", "deactivate"):
                services.set_user_active(actor=actor, user=user, active=action == "activate")
            elif action == "unlock":
                services.unlock_user(actor=actor, user=user)
            elif action == "reset_password":
                temporary_password = services.reset_password(actor=actor, user=user)
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not temporary_password:  # shown once on this page, never put in a message or a URL
                messages.success(request, _("Saved."))
                return redirect("accounts:user_detail", pk=user.pk)
    user.forget_roles()
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": user,
            "form": form,
            "roles": [(c, label) for c, label in Role.choices if c in user.role_set],
            "can_manage": services.may_manage_account(actor, user),
            "can_unlock": has_role(actor, Role.SECURITY_ADMIN),
            "grantable": [
                (c, label) for c, label in Role.choices if c in services.grantable_roles(actor, user)
            ],
            "temporary_password": temporary_password,
            "revocable": [
                (c, label)
                for c, label in Role.choices
                if c in user.role_set and services.may_manage_roles(actor, user, c)
            ],
        },
    )
