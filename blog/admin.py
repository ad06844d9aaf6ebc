import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms import BaseInlineFormSet
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from blog.connections import suggested_states
from blog.editors import create_editor, password_set_url
from blog.models import Author, Byline, Post, Section, Series, SitePage, bylines_prefetch
from competencyworks.admin import (
    PublishableAdmin,
    RevisionAdmin,
    StampedAdmin,
    TagSuggestMixin,
    VisibilityFilter,
)
from competencyworks.widgets import ImagePreviewInput
from medialibrary.models import Image
from medialibrary.widgets import LibraryImageWidget
from policy.models import State

FEATURED_PREVIEW = "featured-image-preview"
# What a library image chosen as featured image offers the post's blank fields.
FEATURED_FILLS = {"alt": "id_image_alt", "caption": "id_image_caption", "credit": "id_image_credit"}
# The change form's boxes under "Suggested states": each ticked state is added on save.
ADD_STATE_FIELD = "add_suggested_state"


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


class AddEditorForm(forms.Form):
    email = forms.EmailField(label="E-mail address", help_text="Also their user name.")
    name = forms.CharField(
        label="Full name", max_length=200, help_text="As their bylines show it, e.g. Ana Ruiz."
    )


@admin.register(Author)
class AuthorAdmin(StampedAdmin):
    list_display = ["name", "slug", "user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "bio"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.add_editor_view)
        return [path("add-editor/", view, name="blog_author_add_editor"), *super().get_urls()]

    def add_editor_view(self, request):
        """Superusers add an editor in one screen: account, Editors group, author profile,
        and the link where the editor chooses a password, shown once on this page."""
        if not request.user.is_superuser:
            raise PermissionDenied
        form = AddEditorForm(request.POST or None)
        created = link = None
        if form.is_valid():
            try:
                created = create_editor(form.cleaned_data["email"], form.cleaned_data["name"])
            except ValidationError as error:
                form.add_error("email", error)
            else:
                link = password_set_url(created.user, request.build_absolute_uri("/"))
                form = AddEditorForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Add editor",
            "form": form,
            "created": created,
            "link": link,
        }
        return TemplateResponse(request, "admin/blog/author/add_editor.html", context)

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


def used_parts(series_id, exclude=None):
    """The part numbers other posts of the series hold, in order."""
    parts = Post.objects.filter(series_id=series_id, series_part__isnull=False).exclude(pk=exclude)
    return sorted(parts.values_list("series_part", flat=True))


def next_free_part(used):
    """The lowest part number nobody holds: a missing part first, else the one after the last."""
    taken = set(used)
    return next(number for number in range(1, len(taken) + 2) if number not in taken)


@admin.register(Post)
class PostAdmin(TagSuggestMixin, RevisionAdmin, PublishableAdmin):
    compared_fields = ["title", "slug", "section", "status", "publish_at", "body", "excerpt"]
    list_display = [
        "thumbnail",
        "title",
        "author_names",
        "state_badge",
        "publish_date",
        "filed_under",
    ]
    list_display_links = ["title"]
    list_filter = [
        VisibilityFilter,
        "section",
        "excerpt_only",
        ("series", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["section", "series"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["series", "states", "topics"]
    readonly_fields = [
        "image_preview",
        "series_parts",
        "suggested_states",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]
    inlines = [BylineInline]
    fieldsets = [
        (None, {"fields": ["title", "body", "excerpt", "section", "slug", "tags"]}),
        ("Publishing", {"fields": ["publication_status", "status", "publish_at"]}),
        ("Connections", {"fields": ["states", "suggested_states", "topics"]}),
        (
            "Featured image",
            {
                "fields": [
                    "image",
                    "featured_image",
                    "image_preview",
                    "image_alt",
                    "image_caption",
                    "image_credit",
                ]
            },
        ),
        ("Series", {"fields": ["series", "series_part", "series_parts"]}),
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

    raw_id_fields = ["featured_image"]

    @admin.display(description="preview")
    def image_preview(self, obj):
        # Always there: choosing a file or a library image shows it here before saving.
        shown = obj is not None and obj.image
        return format_html(
            '<img src="{}" alt="{}" id="{}" class="image-preview"{}>',
            obj.image_card.url if shown else "",
            obj.image_alt if shown else "",
            FEATURED_PREVIEW,
            "" if shown else " hidden",
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "image":
            kwargs["widget"] = ImagePreviewInput(preview=FEATURED_PREVIEW)
        elif db_field.name == "featured_image":
            kwargs["widget"] = LibraryImageWidget(
                db_field.remote_field,
                self.admin_site,
                preview=FEATURED_PREVIEW,
                attrs={"data-fill": json.dumps(FEATURED_FILLS)},
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def file_featured_image(self, request, post, form):
        """An image uploaded on the post form joins the media library as the post's featured
        image; clearing it leaves the post without one (emptying the library choice only
        unlinks the image from the library)."""
        if "image" in form.changed_data:
            upload = form.cleaned_data["image"]
            post.featured_image = None
            if upload:
                post.featured_image = Image.objects.create(
                    file=upload,
                    title=post.title[:200],
                    alt_text=post.image_alt,
                    caption=post.image_caption,
                    credit=post.image_credit,
                    uploaded_by=request.user,
                )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(bylines_prefetch())

    @admin.display(description="image")
    def thumbnail(self, obj):
        if not obj.image:
            return ""
        return format_html(
            '<img class="list-thumbnail" src="{}" alt="" width="56" height="32" loading="lazy">',
            obj.image_card.url,
        )

    @admin.display(description="authors")
    def author_names(self, obj):
        return ", ".join(author.name for author in obj.ordered_authors) or "—"

    @admin.display(description="filed under", ordering="section__name")
    def filed_under(self, obj):
        if not obj.series_id:
            return obj.section.name
        part = f", part {obj.series_part}" if obj.series_part else ""
        return format_html('{}<span class="list-detail">{}{}</span>', obj.section, obj.series, part)

    @admin.display(description="parts of the series")
    def series_parts(self, obj):
        if obj is None or not obj.series_id:
            return "—"
        parts = obj.series.posts.order_by("series_part", "publish_at", "pk")
        rows = format_html_join(
            "",
            '<li>{} <a href="{}">{}</a> <span class="state state-{}">{}</span>{}</li>',
            (
                (
                    f"Part {part.series_part}:" if part.series_part else "No number:",
                    reverse("admin:blog_post_change", args=[part.pk]),
                    part.title,
                    part.visibility,
                    part.visibility,
                    " (this post)" if part.pk == obj.pk else "",
                )
                for part in parts.only("title", "series_part", "status", "publish_at")
            ),
        )
        return format_html('<ul class="series-parts">{}</ul>', rows)

    def get_urls(self):
        view = self.admin_site.admin_view(self.series_parts_view)
        route = path("series-parts/", view, name="blog_post_series_parts")
        return [route, *super().get_urls()]

    def series_parts_view(self, request):
        """The part numbers used in a series, the next free one and the planned total."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        try:
            series = Series.objects.get(pk=int(request.GET.get("series", "")))
            post = int(request.GET["post"]) if request.GET.get("post") else None
        except (ValueError, Series.DoesNotExist):
            return JsonResponse({"error": "No such series."}, status=404)
        used = used_parts(series.pk, exclude=post)
        return JsonResponse(
            {"used": used, "next": next_free_part(used), "planned": series.planned_parts}
        )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if str(initial.get("series", "")).isdigit() and "series_part" not in initial:
            initial["series_part"] = next_free_part(used_parts(int(initial["series"])))
        return initial

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "series_part" in form.base_fields:
            url = reverse("admin:blog_post_series_parts")
            if obj is not None and obj.pk:
                url += f"?post={obj.pk}"
            attrs = form.base_fields["series_part"].widget.attrs
            attrs["data-series-parts"] = url
            if obj is None and request.method == "GET":
                suggested = self.get_changeform_initial_data(request).get("series_part")
                if suggested:
                    attrs["data-suggested"] = suggested
        return form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        # A new post's byline starts as the editor's own author profile. Only on the blank
        # form: an initial value on a submitted form would make the byline look unchanged.
        if isinstance(inline, BylineInline) and obj.pk is None and request.method == "GET":
            own = Author.objects.filter(user=request.user).first()
            if own is not None:
                kwargs["initial"] = [{"author": own.pk}]
        return kwargs

    @admin.display(description="suggested states")
    def suggested_states(self, obj):
        """States the title, body or tags name that the post is not about yet, each with a
        box to tick: saving adds the ticked ones."""
        if obj is None or obj.pk is None:
            return "Named states are suggested once the post is saved."
        chosen = set(obj.states.values_list("pk", flat=True))
        suggested = [s for s in suggested_states(obj, State.objects.all()) if s.pk not in chosen]
        if not suggested:
            return "—"
        return format_html_join(
            " ",
            '<label class="suggested-state"><input type="checkbox" name="{}" value="{}"> {}'
            "</label>",
            ((ADD_STATE_FIELD, state.pk, state.name) for state in suggested),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        ticked = [value for value in request.POST.getlist(ADD_STATE_FIELD) if value.isdigit()]
        if ticked:
            form.instance.states.add(*State.objects.filter(pk__in=ticked))

    def save_model(self, request, obj, form, change):
        self.file_featured_image(request, obj, form)
        super().save_model(request, obj, form, change)
        planned = obj.series.planned_parts if obj.series_id else None
        if planned and obj.series_part and obj.series_part > planned:
            self.message_user(
                request,
                f"Part {obj.series_part} is past the {planned} parts planned for "
                f"“{obj.series}”: raise the series' planned parts if it has grown.",
                messages.WARNING,
            )


@admin.register(SitePage)
class SitePageAdmin(RevisionAdmin, PublishableAdmin):
    compared_fields = ["title", "slug", "status", "publish_at", "show_in", "position", "body"]
    list_display = ["title", "state_badge", "publish_date", "show_in", "position", "updated_at"]
    list_editable = ["show_in", "position"]
    list_filter = [VisibilityFilter, "show_in"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "created_by", "updated_at", "updated_by"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body"]}),
        ("Placement", {"fields": ["show_in", "position"]}),
        ("Publishing", {"fields": ["publication_status", "status", "publish_at"]}),
        (
            "Record",
            {
                "classes": ["collapse"],
                "fields": ["created_at", "created_by", "updated_at", "updated_by"],
            },
        ),
    ]
