from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValuationConfig(AppConfig):
    name = "ipops.valuation"
    label = "valuation"
    verbose_name = _("Valuation")

    def ready(self) -> None:
        from ipops.core.navigation import NavItem, register
        from ipops.core.permissions import has_role, is_member_of_active
        from ipops.valuation import job_handlers  # noqa: F401  (registers the batch scoring job)
        from ipops.valuation.services import can_value

        register(
            NavItem(
                "finance",
                _("Patent valuation"),
                "valuation:valuation_list",
                lambda u: can_value(u) or has_role(u, "auditor"),
                order=30,
            )
        )
        register(
            NavItem(
                "finance",
                _("IP evaluation of organisations"),
                "valuation:organisation_list",
                is_member_of_active,
                order=31,
            )
        )
