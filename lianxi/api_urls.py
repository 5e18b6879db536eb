"""/api/v1/: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from lianxi.accounts.api import ObtainTokenView, UserViewSet
from lianxi.appeals.api import AppealViewSet
from lianxi.directory.api import CategoryViewSet, ChannelViewSet, DepartmentViewSet, EnterpriseViewSet
from lianxi.deputies.api import OpinionViewSet
from lianxi.meetings.api import (MeetingTypeViewSet, MeetingViewSet, PairingViewSet, ReceptionSessionViewSet,
                                 VisitViewSet)
from lianxi.notifications.api import NotificationViewSet
from lianxi.problems.api import CommonProblemViewSet
from lianxi.routing.api import RoutingViewSet
from lianxi.stats.api import StatsViewSet
from lianxi.supervision.api import AccountabilityViewSet, SupervisionViewSet

router = DefaultRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("categories", CategoryViewSet, basename="category")
router.register("channels", ChannelViewSet, basename="channel")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("users", UserViewSet, basename="user")
router.register("appeals", AppealViewSet, basename="appeal")
router.register("meeting-types", MeetingTypeViewSet, basename="meeting-type")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("reception-sessions", ReceptionSessionViewSet, basename="reception-session")
router.register("pairings", PairingViewSet, basename="pairing")
router.register("visits", VisitViewSet, basename="visit")
router.register("opinions", OpinionViewSet, basename="opinion")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("supervisions", SupervisionViewSet, basename="supervision")
router.register("accountabilities", AccountabilityViewSet, basename="accountability")
router.register("common-problems", CommonProblemViewSet, basename="common-problem")
router.register("stats", StatsViewSet, basename="stats")
router.register("routing", RoutingViewSet, basename="routing")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include("lianxi.meetings.api_urls")),  # meeting documents and answer letters (file suffixes)
    path("", include(router.urls)),
]
