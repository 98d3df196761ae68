from django.urls import path

from ipops.patents import applicant_views, import_views, mapping_views, views

app_name = "patents"
urlpatterns = [
    # the patent browser (members of approved organisations) — ipops/patents/views.py
    path("", views.patent_list, name="patent_list"),
    path("<uuid:pk>/", views.patent_detail, name="patent_detail"),
    path("applicants/<uuid:pk>/", views.applicant_detail, name="applicant_detail"),
    path("applicants/<uuid:pk>/merge/", applicant_views.merge, name="applicant_merge"),
    path("applicants/<uuid:pk>/split/", applicant_views.split, name="applicant_split"),
    # imports (operators) — ipops/patents/import_views.py
    path("imports/", import_views.import_list, name="import_list"),
    path("mappings/", mapping_views.mapping_list, name="mapping_list"),
    path("mappings/new/", mapping_views.mapping_edit, name="mapping_new"),
    path("mappings/<uuid:pk>/", mapping_views.mapping_edit, name="mapping_edit"),
]
