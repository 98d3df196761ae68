from django.urls import path

from ipops.patents import import_views

app_name = "patents"
urlpatterns = [
    # imports (operators) — ipops/patents/import_views.py
    path("imports/", import_views.import_list, name="import_list"),
]
