"""Top-level URLconf: admin, auth, and the apps' staff pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views

admin.site.site_header = "ConnectWise Document Portal"
admin.site.site_title = "Document Portal admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("documents/", include("documents.urls")),
    path("", include("integrations.urls")),
    path("admin/", admin.site.urls),
]
