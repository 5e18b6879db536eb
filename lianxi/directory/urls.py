from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("enterprises/import/", views.enterprise_import, name="enterprise_import"),
    path("enterprises/import/template.xlsx", views.import_template, name="enterprise_import_template"),
    path("enterprises/import/rejected.xlsx", views.rejected_rows, name="enterprise_import_rejected"),
]
