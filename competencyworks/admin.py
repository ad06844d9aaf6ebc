from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from competencyworks.models import MovedPage
from competencyworks.publishing import Status


class StampedAdmin(admin.ModelAdmin):
    """Records which editor created and last changed each record."""

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class PublishableAdmin(StampedAdmin):
    """Status column, filters and bulk publish / unpublish for publishable models."""

    actions = ["publish_selected", "unpublish_selected"]
    date_hierarchy = "publish_at"

    @admin.display(description="status", ordering="status")
    def state_badge(self, obj):
        return format_html('<span class="state state-{0}">{0}</span>', obj.state)

    @admin.action(description="Publish selected items now", permissions=["change"])
    def publish_selected(self, request, queryset):
        now = timezone.now()
        # Keep a future time so scheduled items stay scheduled; save() fills empty times.
        changed = 0
        for item in queryset.exclude(status=Status.PUBLISHED):
            item.status = Status.PUBLISHED
            if item.publish_at and item.publish_at < now:
                item.publish_at = None
            item.updated_by = request.user
            item.save()
            changed += 1
        self.message_user(request, f"Published {changed} item(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected items (back to draft)", permissions=["change"])
    def unpublish_selected(self, request, queryset):
        changed = 0
        for item in queryset.filter(status=Status.PUBLISHED):
            item.status = Status.DRAFT
            item.updated_by = request.user
            item.save()
            changed += 1
        self.message_user(request, f"Moved {changed} item(s) back to draft.", messages.SUCCESS)


@admin.register(MovedPage)
class MovedPageAdmin(admin.ModelAdmin):
    list_display = ["old_path", "new_path", "created_at"]
    search_fields = ["old_path", "new_path"]
