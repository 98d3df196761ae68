from django.urls import URLPattern, path

from ipops.assets import views
from ipops.assets.kinds import SPECS

app_name = "assets"


def kind_urls() -> list[URLPattern]:
    """The same pages for each kind: /assets/trademarks/, /assets/copyrights/, /assets/geographical-indications/."""
    patterns = []
    for kind, spec in SPECS.items():
        k = {"kind": kind}
        patterns += [
            path(f"{spec.slug}/", views.asset_list, k, name=f"{kind}_list"),
            path(f"{spec.slug}/new/", views.asset_create, k, name=f"{kind}_create"),
            path(f"{spec.slug}/import/", views.asset_import, k, name=f"{kind}_import"),
            path(f"{spec.slug}/import/template/", views.import_template, k, name=f"{kind}_import_template"),
            path(f"{spec.slug}/<uuid:pk>/", views.asset_detail, k, name=f"{kind}_detail"),
            path(f"{spec.slug}/<uuid:pk>/edit/", views.asset_edit, k, name=f"{kind}_edit"),
        ]
    return patterns


urlpatterns = [
    path("", views.index, name="index"),
    *kind_urls(),
    path("imports/<uuid:pk>/", views.import_detail, name="import_detail"),
    path("imports/<uuid:pk>/report/", views.import_report, name="import_report"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/mine/", views.my_claims, name="my_claims"),
    path("claims/new/", views.claim_create, name="claim_create"),
    path("claims/<uuid:pk>/", views.claim_detail, name="claim_detail"),
]
