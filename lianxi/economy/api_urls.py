"""/api/v1/economy/: mounted by config/urls.py ahead of the main router."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import IndicatorViewSet, SharesView

router = SimpleRouter()
router.register("indicators", IndicatorViewSet, basename="economy-indicator")

urlpatterns = [
    path("shares/", SharesView.as_view(), name="api-economy-shares"),
    *router.urls,
]
