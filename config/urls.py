from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("api/v1/economy/", include("lianxi.economy.api_urls")),  # 民营经济运行监测: shares, indicators
    path("api/v1/", include("lianxi.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("django-admin/", admin.site.urls),
    path("", include("lianxi.directory.urls")),  # enterprise import pages
    path("", include("lianxi.notifications.urls")),  # 消息: the inbox and the channel choices
    path("", include("lianxi.supervision.urls")),  # 督办单 and 问责 pages
    path("", include("lianxi.meetings.urls")),  # 会议, 接待日, 结对子
    path("", include("lianxi.deputies.urls")),  # 代表建议
    path("", include("lianxi.problems.urls")),  # 共性问题
    path("", include("lianxi.economy.urls")),  # 民营经济运行监测, indicator import
    path("", include("lianxi.stats.download_urls")),
    path("", include("lianxi.stats.urls")),
    path("", include("lianxi.similar.urls")),  # 查重 and 热点话题
    path("", include("lianxi.web.urls")),
]
