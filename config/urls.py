from django.urls import include, path
from django.views.i18n import set_language

from config.api import api

urlpatterns = [
    path("", include("ipops.portal.urls")),
    path("accounts/", include("ipops.accounts.urls")),
    path("platform/", include("ipops.core.urls")),
    path("patents/", include("ipops.patents.urls")),
    path("assets/", include("ipops.assets.urls")),
    path("search/", include("ipops.search.urls")),
    path("analytics/", include("ipops.analytics.urls")),
    path("navigation/", include("ipops.navigation.urls")),
    path("valuation/", include("ipops.valuation.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
]

handler400 = "ipops.core.errors.bad_request"
handler403 = "ipops.core.errors.permission_denied"
handler404 = "ipops.core.errors.page_not_found"
handler500 = "ipops.core.errors.server_error"
