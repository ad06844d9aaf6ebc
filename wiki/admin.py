from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from competencyworks.admin import (
    PublishableAdmin,
    RevisionAdmin,
    TagSuggestMixin,
    VisibilityFilter,
)
from wiki import diff, markup
from wiki.models import LinkStatus, Page, Resource, Topic

TITLE_SUGGESTIONS = 8
TERM_LENGTH = 100


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


class MarkdownEditor(forms.Textarea):
    """The body's text box, with a live preview beside it and [[ suggestions of page titles."""

    class Media:
        css = {"all": ["css/wiki-editor.css"]}
        js = ["js/wiki-editor.js"]

    def __init__(self, preview_url, suggest_url, attrs=None):
        super().__init__(
            attrs={
                "data-preview-url": preview_url,
                "data-suggest-url": suggest_url,
                "rows": 20,
                **(attrs or {}),
            }
        )


@admin.register(Page)
class PageAdmin(TagSuggestMixin, RevisionAdmin, PublishableAdmin):
    list_display = ["title", "state_badge", "publish_date", "updated_at"]
    list_filter = [VisibilityFilter, "topics"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics"]
    compared_fields = ["title", "body", "tag_names", "status"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "topics", "tags"]}),
        ("Publishing", {"fields": ["publication_status", "status", "publish_at"]}),
    ]

    def get_urls(self):
        preview = self.admin_site.admin_view(require_POST(self.preview_view))
        suggest = self.admin_site.admin_view(self.title_suggestions_view)
        return [
            path("preview/", preview, name="wiki_page_preview"),
            path("title-suggestions/", suggest, name="wiki_page_title_suggestions"),
            *super().get_urls(),
        ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["widget"] = MarkdownEditor(
                preview_url=reverse("admin:wiki_page_preview"),
                suggest_url=reverse("admin:wiki_page_title_suggestions"),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def may_write(self, request):
        return self.has_change_permission(request) or self.has_add_permission(request)

    def preview_view(self, request):
        """The body as readers will see it: the page's own rendering, links resolved alike."""
        if not self.may_write(request):
            raise PermissionDenied
        body, keys = markup.render(request.POST.get("body", ""))
        return JsonResponse({"html": markup.resolve_links(body, Page.objects.urls_for(keys))})

    def title_suggestions_view(self, request):
        """Titles to link with [[…]]: those starting with the term first, drafts included."""
        if not self.may_write(request):
            raise PermissionDenied
        term = " ".join(request.GET.get("term", "").split())[:TERM_LENGTH]
        pages = Page.objects.filter(title__icontains=term).annotate(
            later=Case(
                When(title__istartswith=term, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        pages = pages.only("title", "status", "publish_at").order_by("later", "title")
        return JsonResponse(
            {
                "results": [
                    {"title": page.title, "public": page.is_public}
                    for page in pages[:TITLE_SUGGESTIONS]
                ]
            }
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.record_tags()

    def compare_versions(self, old, new, fields):
        return diff.compare(old, new, fields)
