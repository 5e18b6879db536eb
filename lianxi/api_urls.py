"""/api/v1/: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from lianxi.accounts.api import ObtainTokenView, UserViewSet
from lianxi.appeals.api import AppealViewSet
from lianxi.directory.api import CategoryViewSet, ChannelViewSet, DepartmentViewSet, EnterpriseViewSet

router = DefaultRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("categories", CategoryViewSet, basename="category")
router.register("channels", ChannelViewSet, basename="channel")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("users", UserViewSet, basename="user")
router.register("appeals", AppealViewSet, basename="appeal")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]
