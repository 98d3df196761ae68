from django.urls import path

from ipops.valuation import views

app_name = "valuation"
urlpatterns = [
    path("", views.valuation_list, name="valuation_list"),
    path("new/", views.valuation_new, name="valuation_new"),
    path("<uuid:pk>/", views.valuation_detail, name="valuation_detail"),
    path("<uuid:pk>/pdf/", views.valuation_pdf, name="valuation_pdf"),
    path("batch/", views.batch_start, name="batch_start"),
    path("organisations/<uuid:pk>/save/", views.organisation_save, name="organisation_save"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<uuid:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<uuid:pk>/profile/", views.profile_edit, name="profile_edit"),
]
