from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ipops.accounts"
    label = "accounts"
    verbose_name = _("Organisations and accounts")

    def ready(self) -> None:
        from ipops.accounts.roles import Role
        from ipops.core.navigation import NavItem, register
        from ipops.core.permissions import has_role, is_member_of_active

        register(
            NavItem("admin", _("My organisation"), "accounts:my_organisation", is_member_of_active, order=10)
        )
        register(
            NavItem(
                "admin",
                _("Organisations"),
                "accounts:organisation_list",
                lambda u: has_role(u, Role.OPERATOR, Role.SECURITY_ADMIN),
                order=20,
            )
        )
        register(
            NavItem(
                "admin",
                _("Users and roles"),
                "accounts:user_list",
                lambda u: has_role(u, Role.SECURITY_ADMIN, Role.OPERATOR),
                order=30,
            )
        )
