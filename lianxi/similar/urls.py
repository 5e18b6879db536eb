from django.urls import path

from . import views

app_name = "similar"

urlpatterns = [
    path("hotspots/", views.hotspots, name="hotspots"),
    path("hotspots/<int:pk>/", views.topic, name="topic"),
    path("appeals/<int:pk>/similar/", views.appeal_similar, name="appeal_similar"),
    path("similar/check/", views.check, name="check"),
]
