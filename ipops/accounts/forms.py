"""Forms of the accounts pages; they validate input, the services decide and change state."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipops.accounts.models import Organisation
from ipops.accounts.roles import CENTRE_ROLES, ORG_ASSIGNABLE_ROLES, OrgKind, Role
from ipops.core.forms import StyledFormMixin
from ipops.core.validators import normalise_uscc, validate_uscc


class LoginForm(StyledFormMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The user name or password is not correct. Note that both are case-sensitive."),
        "locked": _(
            "This account is locked after too many failed log-ins. Try again after %(time)s, "
            "or ask your security administrator to unlock it."
        ),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            locked_until = getattr(self.request, "ipops_locked_until", None)
            if locked_until is not None:
                raise forms.ValidationError(
                    self.error_messages["locked"],
                    code="locked",
                    params={"time": timezone.localtime(locked_until).strftime("%H:%M")},
                ) from None
            raise


class PasswordPairMixin(StyledFormMixin, forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password2(self) -> str:
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("The two passwords differ."))
        return p2 or ""


class RegistrationForm(PasswordPairMixin):
    name = forms.CharField(label=_("Organisation name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Organisation type"), choices=[c for c in OrgKind.choices if c[0] != OrgKind.CENTRE]
    )
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=24,
        help_text=_("18 characters, as printed on the business licence."),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    licence_file = forms.FileField(
        label=_("Business licence (PDF, JPG or PNG)"),
        required=False,
    )
    full_name = forms.CharField(label=_("Your name"), max_length=100)
    contact_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"))
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("Letters, digits and @ . + - _ only."),
    )
    field_order = [
        "name",
        "name_en",
        "kind",
        "uscc",
        "address",
        "licence_file",
        "full_name",
        "contact_phone",
        "email",
        "username",
        "password1",
        "password2",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["licence_file"].help_text = _("Optional; at most %(mb)d MB.") % {
            "mb": settings.IPOPS_MAX_UPLOAD_MB
        }

    def clean_uscc(self) -> str:
        code = normalise_uscc(self.cleaned_data["uscc"])
        validate_uscc(code)
        return code


class InvitationAcceptForm(PasswordPairMixin):
    full_name = forms.CharField(label=_("Your name"), max_length=100)
    username = forms.RegexField(label=_("User name"), max_length=150, regex=r"^[\w.@+-]+$")
    field_order = ["full_name", "username", "password1", "password2"]


class PasswordChangeForm(StyledFormMixin, forms.Form):
    old_password = forms.CharField(label=_("Current password"), strip=False, widget=forms.PasswordInput)
    password1 = PasswordPairMixin.base_fields["password1"]
    password2 = PasswordPairMixin.base_fields["password2"]
    clean_password2 = PasswordPairMixin.clean_password2


class InviteForm(StyledFormMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, organisation: Organisation, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from ipops.core.permissions import has_role

        allowed = set(ORG_ASSIGNABLE_ROLES)
        if organisation.kind == OrgKind.CENTRE and actor is not None and has_role(actor, Role.SECURITY_ADMIN):
            allowed |= CENTRE_ROLES
        role_field = cast(forms.ChoiceField, self.fields["role"])
        role_field.choices = [c for c in Role.choices if c[0] in allowed]
        role_field.initial = Role.MEMBER


class DecisionForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RoleForm(StyledFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class TokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)


class OrganisationFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *OrgKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Organisation.Status.choices]
    )

    def filter(self, queryset: Any) -> Any:
        data = self.cleaned_data
        if data.get("q"):
            queryset = queryset.filter(name__icontains=data["q"]) | queryset.filter(uscc__icontains=data["q"])
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        return queryset


class UserFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Name, user name or e-mail"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices])
    locked = forms.BooleanField(label=_("Locked only"), required=False)

    def filter(self, queryset: Any) -> Any:
        data = self.cleaned_data
        if data.get("q"):
            q = data["q"]
            queryset = (
                queryset.filter(username__icontains=q)
                | queryset.filter(full_name__icontains=q)
                | queryset.filter(email__icontains=q)
            )
        if data.get("role"):
            queryset = queryset.filter(roles__role=data["role"])
        if data.get("locked"):
            from django.utils import timezone

            queryset = queryset.filter(locked_until__gt=timezone.now())
        return queryset.distinct()
