from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NavigationConfig(AppConfig):
    name = "ipops.navigation"
    label = "navigation"
    verbose_name = _("Patent navigation")

    def ready(self) -> None:
        from ipops.core.navigation import NavItem, register
        from ipops.core.permissions import is_member_of_active
        from ipops.navigation import job_handlers  # noqa: F401  (registers the analysis job)

        register(
            NavItem(
                "bigdata", _("Navigation projects"), "navigation:project_list", is_member_of_active, order=40
            )
        )
        register(
            NavItem(
                "bigdata", _("Regional statistics"), "navigation:statistics", is_member_of_active, order=45
            )
        )
        register(
            NavItem(
                "services", _("Navigation reports"), "navigation:published_list", lambda u: True, order=40
            )
        )
