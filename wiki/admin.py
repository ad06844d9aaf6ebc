from django.contrib import admin
from django.utils.html import format_html

from competencyworks.admin import (
    PublishableAdmin,
    RevisionAdmin,
    TagSuggestMixin,
    VisibilityFilter,
)
from wiki.models import LinkStatus, Page, Resource, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "position"]
    list_editable = ["position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "description"]
    autocomplete_fields = ["parent"]


class LinkHealthFilter(admin.SimpleListFilter):
    title = "link health"
    parameter_name = "link"

    def lookups(self, request, model_admin):
        return LinkStatus.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(link_status=self.value())
        return queryset


@admin.register(Resource)
class ResourceAdmin(TagSuggestMixin, RevisionAdmin, PublishableAdmin):
    list_display = [
        "title",
        "kind",
        "publisher",
        "year",
        "state_badge",
        "publish_date",
        "link_badge",
    ]
    list_filter = [VisibilityFilter, "kind", LinkHealthFilter, "topics"]
    search_fields = ["title", "publisher", "authors", "summary", "url"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics"]
    readonly_fields = ["link_report"]
    compared_fields = ["title", "kind", "url", "publisher", "authors", "year", "summary", "status"]
    fieldsets = [
        (None, {"fields": ["kind", "title", "slug", "url", "link_report"]}),
        ("About it", {"fields": ["publisher", "authors", "year", "summary", "topics", "tags"]}),
        ("Publishing", {"fields": ["publication_status", "status", "publish_at"]}),
    ]
    word_count_field = "summary"

    @admin.display(description="link", ordering="link_status")
    def link_badge(self, resource):
        return format_html(
            '<span class="link-{}">{}</span>',
            resource.link_status,
            resource.get_link_status_display(),
        )

    @admin.display(description="link health")
    def link_report(self, resource):
        if not resource.link_checked_at:
            return "Not checked yet (run check_links)."
        worked = (
            resource.link_worked_at.strftime("%Y-%m-%d") if resource.link_worked_at else "never"
        )
        detail = resource.link_error or (
            f"HTTP {resource.link_status_code}" if resource.link_status_code else ""
        )
        checked = f"{resource.link_checked_at:%Y-%m-%d}"
        label = resource.get_link_status_display()
        return f"{label} {detail} — checked {checked}, last worked {worked}"


@admin.register(Page)
class PageAdmin(TagSuggestMixin, RevisionAdmin, PublishableAdmin):
    list_display = ["title", "state_badge", "publish_date", "updated_at"]
    list_filter = [VisibilityFilter, "topics"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics"]
    compared_fields = ["title", "body", "status"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "topics", "tags"]}),
        ("Publishing", {"fields": ["publication_status", "status", "publish_at"]}),
    ]
