from django.urls import path

from ipops.navigation import statistics, views

app_name = "navigation"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_create, name="project_create"),
    path("<uuid:pk>/", views.project_detail, name="project_detail"),
    path("<uuid:pk>/edit/", views.project_edit, name="project_edit"),
    path("<uuid:pk>/team/", views.team_add, name="team_add"),
    path("<uuid:pk>/team/<uuid:member>/remove/", views.team_remove, name="team_remove"),
    path("<uuid:pk>/sample/", views.sample_draw, name="sample_draw"),
    path("<uuid:pk>/sample/<uuid:item>/", views.sample_review, name="sample_review"),
    path("<uuid:pk>/reference/", views.reference_set, name="reference_set"),
    path("<uuid:pk>/comments/", views.comment_add, name="comment_add"),
    path("<uuid:pk>/conclusions/", views.conclusions_save, name="conclusions_save"),
    path("<uuid:pk>/run/", views.run_start, name="run_start"),
    path("<uuid:pk>/publish/", views.publish, name="publish"),
    path("<uuid:pk>/unpublish/", views.unpublish, name="unpublish"),
    path("<uuid:pk>/hits.xlsx", views.hits_export, name="hits_export"),
    path("<uuid:pk>/runs/<uuid:run>/", views.run_report, name="run_report"),
    path("<uuid:pk>/runs/<uuid:run>/<str:kind>/", views.run_file, name="run_file"),
    path("reports/", views.published_list, name="published_list"),
    path("reports/<uuid:pk>/", views.published_report, name="published_report"),
    path("reports/<uuid:pk>/<str:kind>/", views.published_file, name="published_file"),
    path("statistics/", statistics.statistics_page, name="statistics"),
]
