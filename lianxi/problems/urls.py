from django.urls import path

from . import views

app_name = "problems"

urlpatterns = [
    path("common-problems/", views.problem_list, name="list"),
    path("common-problems/new/", views.problem_create, name="create"),
    path("common-problems/<int:pk>/", views.problem_detail, name="detail"),
    path("common-problems/<int:pk>/act/<slug:action>/", views.problem_act, name="act"),
    path("common-problems/group/<int:appeal_pk>/", views.group_appeal, name="group"),
]
