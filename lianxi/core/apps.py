from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lianxi.core"
    label = "core"
    verbose_name = "基础"

    def ready(self):
        from django.db.models import CharField, TextField
        from django.db.models.functions import Lower

        # field__lower__contains: short search terms (see lianxi.appeals.filters._contains).
        CharField.register_lookup(Lower)
        TextField.register_lookup(Lower)
