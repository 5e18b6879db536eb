from django.contrib.auth import views as auth_views
from django.urls import path

from . import config, views
from .forms import LoginForm

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html", authentication_form=LoginForm,
                                                redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("appeals/", views.appeal_list, name="appeal_list"),
    path("appeals/new/", views.appeal_register, name="appeal_register"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal_detail"),
    path("appeals/<int:pk>/act/<slug:action>/", views.appeal_act, name="appeal_act"),
    path("appeals/<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/search/", views.enterprise_search, name="enterprise_search"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("config/<slug:kind>/", config.config_list, name="config_list"),
    path("config/<slug:kind>/new/", config.config_edit, name="config_create"),
    path("config/<slug:kind>/<int:pk>/", config.config_edit, name="config_edit"),
]
