from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lianxi.accounts"
    label = "accounts"
    verbose_name = "用户与角色"
