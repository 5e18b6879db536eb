from django.apps import AppConfig


class EconomyConfig(AppConfig):
    name = "lianxi.economy"
    label = "economy"
    verbose_name = "民营经济运行监测"
