from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "lianxi.supervision"
    verbose_name = "督办与问责"
