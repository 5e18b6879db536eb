from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/new/", views.meeting_create, name="create"),
    path("meetings/types/", views.meeting_types, name="types"),
    path("meetings/types/<int:pk>/", views.meeting_types, name="type_edit"),
    path("meetings/bulk-rows/", views.bulk_rows, name="bulk_rows"),
    path("meetings/enterprise-options/", views.enterprise_options, name="enterprise_options"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("meetings/<int:pk>/enterprises/", views.meeting_enterprises, name="enterprises"),
    path("meetings/<int:pk>/bulk/", views.bulk_entry, name="bulk"),
    path("reception/", views.reception, name="reception"),
    path("reception/<int:pk>/", views.reception_session, name="reception_session"),
    path("pairings/", views.pairing_list, name="pairings"),
    path("pairings/mine/", views.my_pairings, name="my_pairings"),
    path("pairings/leaders/<int:user_pk>/", views.leader_pairings, name="leader_pairings"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
]
