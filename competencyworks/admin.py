from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from taggit.models import Tag

from competencyworks.models import MovedPage
from competencyworks.publishing import Status
from competencyworks.widgets import TagSuggestWidget

TAG_SUGGESTIONS = 10


class StampedAdmin(admin.ModelAdmin):
    """Records which editor created and last changed each record."""

    # Editors paste bare domains; assume the secure scheme (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class TagSuggestMixin:
    """Gives the model's `tags` field suggestions of existing tags as the editor types."""

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_tag_suggestions"
        suggest = self.admin_site.admin_view(self.tag_suggestions_view)
        return [path("tag-suggestions/", suggest, name=name), *super().get_urls()]

    def tag_suggestions_view(self, request):
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        term = request.GET.get("term", "").strip()[:100]
        names = []
        if term:
            names = list(
                Tag.objects.filter(name__istartswith=term)
                .order_by("name")
                .values_list("name", flat=True)[:TAG_SUGGESTIONS]
            )
        return JsonResponse({"results": names})

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "tags":
            opts = self.model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_tag_suggestions")
            kwargs["widget"] = TagSuggestWidget(suggest_url=url)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


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
