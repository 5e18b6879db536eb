from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("supervisions/", views.order_list, name="order_list"),
    path("supervisions/<int:pk>/", views.order_detail, name="order_detail"),
    path("supervisions/<int:pk>/answer/", views.order_answer, name="order_answer"),
    path("supervisions/<int:pk>/document.docx", views.order_document, name="order_document"),
    path("accountabilities/", views.accountability_list, name="accountability_list"),
    path("accountabilities/new/", views.accountability_create, name="accountability_create"),
    path("accountabilities/export.xlsx", views.accountability_export, name="accountability_export"),
    path("accountabilities/<int:pk>/", views.accountability_detail, name="accountability_detail"),
    path("accountabilities/<int:pk>/decide/", views.accountability_decide, name="accountability_decide"),
]
