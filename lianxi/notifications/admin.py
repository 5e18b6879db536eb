"""Django admin for the outbox: see what failed and why, and put it back in the queue."""

from django.contrib import admin, messages

from .delivery import retry
from .models import Notification, NotificationPreference, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "address", "subject", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "channel"]
    search_fields = ["address", "subject"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_failed"]

    @admin.action(description="重新发送所选的失败消息")
    def retry_failed(self, request, queryset):
        count = retry(list(queryset), acting_user=request.user)
        self.message_user(request, f"已重新排队 {count} 条消息", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "appeal", "event"]


admin.site.register(NotificationPreference)
