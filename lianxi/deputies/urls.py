from django.urls import path

from . import views

app_name = "deputies"

urlpatterns = [
    path("opinions/", views.opinion_list, name="list"),
    path("opinions/new/", views.opinion_create, name="create"),
    path("opinions/<int:pk>/", views.opinion_detail, name="detail"),
]
