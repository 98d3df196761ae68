from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatentsConfig(AppConfig):
    name = "ipops.patents"
    label = "patents"
    verbose_name = _("Patents")

    def ready(self) -> None:
        from ipops.core.navigation import NavItem, register
        from ipops.core.permissions import has_role, is_member_of_active
        from ipops.patents import job_handlers  # noqa: F401  (registers the import job)

        register(NavItem("bigdata", _("Patents"), "patents:patent_list", is_member_of_active, order=10))
        register(
            NavItem(
                "bigdata",
                _("Patent imports"),
                "patents:import_list",
                lambda u: has_role(u, "operator"),
                order=20,
            )
        )
