from django.apps import AppConfig


class SimilarConfig(AppConfig):
    name = "lianxi.similar"
    verbose_name = "相似诉求与热点话题"
    default_auto_field = "django.db.models.BigAutoField"
