from django.urls import path

from . import views

app_name = "economy"

urlpatterns = [
    path("economy/", views.monitor_page, name="monitor"),
    path("economy/export.xlsx", views.monitor_export, name="export"),
    path("economy/import/", views.indicator_import, name="import"),
    path("economy/import/template.xlsx", views.import_template, name="import_template"),
    path("economy/import/rejected.xlsx", views.import_rejected, name="import_rejected"),
]
