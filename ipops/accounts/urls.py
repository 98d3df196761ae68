from django.contrib.auth import views as auth_views
from django.urls import path

from ipops.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("password/", views.password_change, name="password_change"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<uuid:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("organisation/", views.my_organisation, name="my_organisation"),
    path("invitations/<uuid:pk>/withdraw/", views.invitation_revoke, name="invitation_revoke"),
    path("admin/organisations/", views.organisation_list, name="organisation_list"),
    path("admin/organisations/<uuid:pk>/", views.organisation_detail, name="organisation_detail"),
    path("admin/organisations/<uuid:pk>/licence/", views.organisation_licence, name="organisation_licence"),
    path("admin/users/", views.user_list, name="user_list"),
    path("admin/users/<uuid:pk>/", views.user_detail, name="user_detail"),
]
