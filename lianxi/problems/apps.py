from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "lianxi.problems"
    label = "problems"
    verbose_name = "共性问题"
