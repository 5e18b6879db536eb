from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "lianxi.routing"
    verbose_name = "智能派单"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from lianxi.directory.models import Department
        from lianxi.similar.text import forget_places

        from .suggest import forget

        # A department renamed, deactivated or given a new remit: this process's suggester, and the town and park
        # names the similar-appeal texts mask, are reread at once (other processes within RELOAD_SECONDS and
        # lianxi.similar.text.PLACES_SECONDS).
        def departments_changed(**kwargs):
            forget()
            forget_places()

        post_save.connect(departments_changed, sender=Department, dispatch_uid="routing_departments_saved",
                          weak=False)
        post_delete.connect(departments_changed, sender=Department, dispatch_uid="routing_departments_deleted",
                            weak=False)
