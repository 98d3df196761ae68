"""URL configuration for the IPC suggestion tests: the project's URLs, plus the IPC suggestion page and API
when they are not wired into `ipops/search/urls.py` / `config/api.py` yet (the search module's owner does
that). Once they are wired, this is the project's URLs unchanged."""

from __future__ import annotations

from django.urls import NoReverseMatch, URLPattern, URLResolver, include, path, reverse

from config import urls as project

urlpatterns: list[URLPattern | URLResolver] = list(project.urlpatterns)


def _wired(name: str) -> bool:
    try:
        reverse(name, urlconf=project)
    except NoReverseMatch:
        return False
    return True


if not _wired("search:ipc_suggest"):
    from ipops.search import ipc_views
    from ipops.search import urls as search_urls

    search_patterns = [
        *search_urls.urlpatterns,
        path("ipc/", ipc_views.ipc_suggest, name="ipc_suggest"),
        path("ipc/train/", ipc_views.ipc_train, name="ipc_train"),
    ]
    urlpatterns = [p for p in urlpatterns if not (isinstance(p, URLResolver) and p.namespace == "search")] + [
        path("search/", include((search_patterns, "search")))
    ]

if not _wired("api:suggest"):
    from ninja import NinjaAPI

    from ipops.core.api import AUTH, install_error_handlers
    from ipops.search.ipc_api import router

    test_api = NinjaAPI(auth=AUTH, urls_namespace="ipc_test_api")
    install_error_handlers(test_api)
    test_api.add_router("/", router)
    urlpatterns = [p for p in urlpatterns if not str(p.pattern).startswith("api/")] + [
        path("api/", test_api.urls),
        *[p for p in urlpatterns if str(p.pattern).startswith("api/")],
    ]
