from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "lianxi.directory"
    label = "directory"
    verbose_name = "名录"
