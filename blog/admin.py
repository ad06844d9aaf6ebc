from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms import BaseInlineFormSet
from django.utils.html import format_html

from blog.models import Author, Byline, Post, Section, Series, SitePage
from competencyworks.admin import PublishableAdmin, RevisionAdmin, StampedAdmin, TagSuggestMixin


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


def linkable_users(request, author=None):
    """The accounts `request.user` may link to an author, and so see the names of.

    Superusers pick any active staff account, other editors only their own; the account
    already linked stays a choice, so saving the form never drops it.
    """
    allowed = (
        Q(is_staff=True, is_active=True) if request.user.is_superuser else Q(pk=request.user.pk)
    )
    if author is not None and author.user_id:
        allowed |= Q(pk=author.user_id)
    return get_user_model().objects.filter(allowed).order_by("username")


@admin.register(Author)
class AuthorAdmin(StampedAdmin):
    list_display = ["name", "slug", "user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "bio"]

    def get_list_display(self, request):
        # Only superusers see every account; an editor's list names none.
        if request.user.is_superuser:
            return self.list_display
        return [name for name in self.list_display if name != "user"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "user" in form.base_fields:
            form.base_fields["user"].queryset = linkable_users(request, obj)
        return form


class SeriesPartFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        numbers = [
            form.cleaned_data.get("series_part")
            for form in self.forms
            if form.cleaned_data.get("series_part") is not None
        ]
        if len(numbers) != len(set(numbers)):
            raise ValidationError("Two parts cannot have the same number.")

    def save(self, commit=True):
        # Clear the numbers being changed first, so swapping two parts never clashes.
        renumbered = [form.instance.pk for form in self.forms if form.has_changed()]
        if commit and renumbered:
            Post.objects.filter(pk__in=renumbered).update(series_part=None)
        return super().save(commit)


class SeriesPartInline(admin.TabularInline):
    """The parts of a series, in order; editors renumber them here."""

    model = Post
    formset = SeriesPartFormSet
    fields = ["series_part", "title", "status", "publish_at"]
    readonly_fields = ["title", "status", "publish_at"]
    ordering = ["series_part", "publish_at"]
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "part"
    verbose_name_plural = "parts (edit the numbers to reorder)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Series)
class SeriesAdmin(StampedAdmin):
    list_display = ["title", "planned_parts", "part_count"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title", "description"]
    inlines = [SeriesPartInline]

    def get_queryset(self, request):
        # Grouped queries drop Meta.ordering; keep lists and autocomplete in title order.
        parts = Count("posts")
        return super().get_queryset(request).annotate(part_count=parts).order_by("title")

    @admin.display(description="parts", ordering="part_count")
    def part_count(self, obj):
        return obj.part_count


class BylineInline(admin.TabularInline):
    model = Byline
    fields = ["author", "position"]
    autocomplete_fields = ["author"]
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "authors (in byline order)"


@admin.register(Post)
class PostAdmin(TagSuggestMixin, RevisionAdmin, PublishableAdmin):
    compared_fields = ["title", "slug", "section", "status", "publish_at", "body", "excerpt"]
    list_display = ["title", "section", "state_badge", "publish_at", "series", "series_part"]
    list_filter = [
        "status",
        "section",
        "excerpt_only",
        ("series", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["section", "series"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["series"]
    readonly_fields = ["image_preview", "created_at", "created_by", "updated_at", "updated_by"]
    inlines = [BylineInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "section", "body", "excerpt", "tags"]}),
        ("Publishing", {"fields": ["status", "publish_at"]}),
        (
            "Featured image",
            {
                "fields": [
                    "image",
                    "image_preview",
                    "image_alt",
                    "image_caption",
                    "image_credit",
                ]
            },
        ),
        ("Series", {"fields": ["series", "series_part"]}),
        (
            "Cross-post",
            {
                "classes": ["collapse"],
                "fields": ["crosspost_publisher", "crosspost_url", "crosspost_date"],
            },
        ),
        (
            "Record",
            {
                "classes": ["collapse"],
                "fields": [
                    "excerpt_only",
                    "created_at",
                    "created_by",
                    "updated_at",
                    "updated_by",
                ],
            },
        ),
    ]

    @admin.display(description="preview")
    def image_preview(self, obj):
        if not obj.image:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" style="max-width:320px;height:auto">',
            obj.image_card.url,
            obj.image_alt,
        )


@admin.register(SitePage)
class SitePageAdmin(RevisionAdmin, PublishableAdmin):
    compared_fields = ["title", "slug", "status", "publish_at", "show_in", "position", "body"]
    list_display = ["title", "state_badge", "show_in", "position", "updated_at"]
    list_editable = ["show_in", "position"]
    list_filter = ["status", "show_in"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "created_by", "updated_at", "updated_by"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body"]}),
        ("Placement", {"fields": ["show_in", "position"]}),
        ("Publishing", {"fields": ["status", "publish_at"]}),
        (
            "Record",
            {
                "classes": ["collapse"],
                "fields": ["created_at", "created_by", "updated_at", "updated_by"],
            },
        ),
    ]
