from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "ipops.search"
    label = "search"
    verbose_name = _("Search and matching")

    def ready(self) -> None:
        from ipops.core.navigation import NavItem, register
        from ipops.core.permissions import is_member_of_active
        from ipops.search import jobs  # noqa: F401  (registers the search.refresh job kind)
        from ipops.search.ipc_suggest import training  # noqa: F401  (registers the search.ipc_train job kind)

        register(NavItem("bigdata", _("Patent search"), "search:search", is_member_of_active, order=15))
        register(NavItem("bigdata", _("IPC suggestion"), "search:ipc_suggest", is_member_of_active, order=16))
        register(
            NavItem(
                "services", _("Find patents for my need"), "search:need_match", is_member_of_active, order=10
            )
        )
