from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lianxi.web"
    label = "web"
    verbose_name = "网页"
