from django.urls import path

from ipops.search import ipc_views, views

app_name = "search"
urlpatterns = [
    path("", views.search, name="search"),
    path("needs/", views.need_match, name="need_match"),
    path("needs/saved/", views.need_list, name="need_list"),
    path("needs/<uuid:pk>/", views.need_detail, name="need_detail"),
    path("needs/<uuid:pk>/delete/", views.need_delete, name="need_delete"),
    path("rebuild/", views.rebuild, name="rebuild"),
    path("embed/", views.embed, name="embed"),
    # IPC suggestion (ipc_views.py, maintained with the IPC suggester)
    path("ipc/", ipc_views.ipc_suggest, name="ipc_suggest"),
    path("ipc/train/", ipc_views.ipc_train, name="ipc_train"),
]
