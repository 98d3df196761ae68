from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ipops.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from ipops.core import audit_signals, job_handlers  # noqa: F401  (registers receivers and handlers)
        from ipops.core.navigation import NavItem, register
        from ipops.core.permissions import has_role, is_member_of_active

        register(NavItem("admin", _("Jobs"), "core:job_list", is_member_of_active, order=80))
        register(
            NavItem("admin", _("Audit log"), "core:audit_log", lambda u: has_role(u, "auditor"), order=90)
        )
