from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "ipops.assets"
    label = "assets"
    verbose_name = _("IP asset registry")

    def ready(self) -> None:
        from ipops.accounts.roles import Role
        from ipops.core.navigation import NavItem, register
        from ipops.core.permissions import has_role, is_member_of_active

        register(NavItem("operations", _("IP assets"), "assets:index", is_member_of_active, order=10))
        register(
            NavItem(
                "admin",
                _("Asset claims"),
                "assets:claim_list",
                lambda u: has_role(u, Role.OPERATOR),
                order=40,
            )
        )
