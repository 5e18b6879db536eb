from django.apps import AppConfig


class DeputiesConfig(AppConfig):
    name = "lianxi.deputies"
    label = "deputies"
    verbose_name = "代表建议"
