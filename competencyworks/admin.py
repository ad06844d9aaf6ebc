from datetime import datetime

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from reversion.admin import VersionAdmin
from taggit.forms import TagField
from taggit.models import Tag

from competencyworks import revisions
from competencyworks.models import MovedPage
from competencyworks.publishing import Status
from competencyworks.publishing import actions as publishing
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


class WallClockDateTimeField(forms.SplitDateTimeField):
    """A date and time in the site's zone, as its clocks show them. A time shown twice (the
    hour repeated when summer time ends) is the first; a time the clocks skip is the same
    moment as that wall time before the change (2:30 becomes 3:30). Django refuses both, so an
    item dated in that hour could not be saved at all, even unchanged."""

    def compress(self, data_list):
        if not data_list or any(value in self.empty_values for value in data_list):
            return super().compress(data_list)
        return datetime.combine(*data_list).replace(tzinfo=timezone.get_current_timezone())


class BoundedTagField(TagField):
    """The tag box, refusing a tag longer than a tag's name may be (else a database error)."""

    def clean(self, value):
        names = super().clean(value)
        limit = Tag._meta.get_field("name").max_length
        if too_long := [name for name in names if len(name) > limit]:
            raise ValidationError(
                "Each tag can have at most %(limit)s characters; “%(tag)s…” has %(length)s.",
                code="tag_too_long",
                params={"limit": limit, "tag": too_long[0][:30], "length": len(too_long[0])},
            )
        return names


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
            kwargs["form_class"] = BoundedTagField
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class RevisionAdmin(VersionAdmin):
    """Every admin save is a revision (who, when, comment); history, compare and restore.

    The form remembers which revision the editor started from: if someone else saved in
    the meantime, the save is refused with a clear message and the editor's text is kept.
    """

    change_form_template = "admin/revisions/change_form.html"
    object_history_template = "admin/revisions/object_history.html"
    compared_fields = None  # default: every field django-reversion stores

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        started_from = revisions.latest_version_id(obj)

        class GuardedForm(form_class):
            base_version = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=started_from
            )
            change_comment = forms.CharField(
                label="Change note",
                required=False,
                max_length=200,
                help_text="Optional: what you changed, for the history.",
            )

            def clean(self):
                cleaned = super().clean()
                started = cleaned.get("base_version")  # absent when restoring an old version
                current = revisions.latest_version_id(self.instance)
                if self.instance.pk and started is not None and current and current != started:
                    newer = revisions.versions_of(self.instance).first()
                    # Next time the editor saves, they do so knowing about the newer version.
                    self.data = self.data.copy()
                    self.data[self.add_prefix("base_version")] = current
                    who = newer.revision.user or "someone"
                    when = timezone.localtime(newer.revision.date_created)
                    raise ValidationError(
                        f"{who} saved this while you were editing "
                        f"({when:%Y-%m-%d %H:%M}). Your changes are "
                        "still below and nothing was saved: open the history in a new tab "
                        "to see what changed, then save again to keep your version."
                    )
                return cleaned

        return GuardedForm

    def save_model(self, request, obj, form, change):
        request.revision_note = form.cleaned_data.get("change_comment", "")
        super().save_model(request, obj, form, change)

    # django-reversion writes the admin's change message as the comment after save_model;
    # the editor's own note, when given, replaces it.
    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if note := getattr(request, "revision_note", ""):
            reversion.set_comment(note)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if note := getattr(request, "revision_note", ""):
            reversion.set_comment(note)
        return entry

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_compare"
        view = self.admin_site.admin_view(self.compare_view)
        return [path("<path:object_id>/history/compare/", view, name=name), *super().get_urls()]

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.model._meta.verbose_name} with that id.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        opts = self.model._meta
        revision_url = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_revision"
        entries = [
            {"version": version, "url": reverse(revision_url, args=(quote(obj.pk), version.pk))}
            for version in revisions.versions_of(obj)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "opts": opts,
            "module_name": capfirst(opts.verbose_name_plural),
            "object": obj,
            "entries": entries,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)

    def compare_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.model._meta.verbose_name} with that id.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        versions = revisions.versions_of(obj)
        try:
            old = versions.get(pk=int(request.GET.get("from", "")))
            new = versions.get(pk=int(request.GET.get("to", "")))
        except (ValueError, versions.model.DoesNotExist):
            messages.error(request, "Choose two versions of this record to compare.")
            return self.history_view(request, object_id)
        if old.revision.date_created > new.revision.date_created:
            old, new = new, old
        fields = self.compared_fields or list(new.field_dict)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "object": obj,
            "title": f"Compare versions of {obj}",
            "old": old,
            "new": new,
            "changes": self.compare_versions(old, new, fields),
        }
        return TemplateResponse(request, "admin/revisions/compare.html", context)

    def compare_versions(self, old, new, fields):
        """[(field name, diff HTML)]: a model whose readers see its history compares it alike."""
        return revisions.compare(old, new, fields)


class VisibilityFilter(admin.SimpleListFilter):
    """Draft, scheduled, published or private: what readers can see now, as the label shows."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("scheduled", "Scheduled"),
            ("draft", "Draft"),
            ("published", "Published"),
            ("private", "Private"),
        ]

    def queryset(self, request, queryset):
        return {
            "scheduled": queryset.scheduled,
            "draft": queryset.drafts,
            "published": queryset.published,
            "private": lambda: queryset.filter(status=Status.PRIVATE),
        }.get(self.value(), lambda: queryset)()


class PublishableAdmin(StampedAdmin):
    """Status column, filters and bulk publish / unpublish for publishable models.

    The change form replaces Save with publishing buttons (Save draft, Publish, Schedule,
    Unpublish): the button decides the status, and the editor stays on the form with a
    message saying what happened. A stock `_save` still saves the status the form holds.
    """

    actions = ["publish_selected", "unpublish_selected"]
    date_hierarchy = "publish_at"
    # The text field whose words the form counts as the editor types.
    word_count_field = "body"

    class Media:
        js = ["js/admin-writing.js"]

    @admin.display(description="status", ordering="status")
    def state_badge(self, obj):
        return format_html('<span class="state state-{0}">{0}</span>', obj.visibility)

    @admin.display(description="date", ordering="publish_at")
    def publish_date(self, obj):
        if obj.publish_at is None:
            return "—"
        local = timezone.localtime(obj.publish_at)
        shown = f"{local:%b} {local.day}, {local:%Y}"
        return format_html('<time datetime="{}">{}</time>', local.isoformat(), shown)

    @admin.display(description="status")
    def publication_status(self, obj):
        if obj is None or obj.pk is None:
            return mark_safe('<span class="state state-draft">draft</span> not saved yet')
        detail = ""
        if obj.visibility in ("scheduled", "published"):
            verb = "goes live" if obj.visibility == "scheduled" else "since"
            detail = f"{verb} {publishing.when(obj.publish_at)}"
        return format_html('<span class="state state-{0}">{0}</span> {1}', obj.visibility, detail)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "publication_status"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "status":
            # The publishing buttons set the status; the field carries it for a plain save.
            kwargs["widget"] = forms.HiddenInput
        if db_field.name == "publish_at":
            kwargs["form_class"] = WallClockDateTimeField
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "publish_at":
            field.help_text = (
                f"Times are {timezone.get_current_timezone_name()}. Schedule needs a future "
                "time; Publish puts the item live now."
            )
        return field

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)

        class PublishingForm(form_class):
            def clean(self):
                cleaned = super().clean()
                action = self.data.get(publishing.FIELD)
                if action not in publishing.ACTIONS or "publish_at" not in cleaned:
                    return cleaned
                status, cleaned["publish_at"] = publishing.decide(
                    action,
                    cleaned["publish_at"],
                    was_public=self.instance.pk is not None and self.instance.is_public,
                    time_chosen="publish_at" in self.changed_data,
                    now=timezone.now(),
                )
                cleaned["status"] = status
                return cleaned

        return PublishingForm

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        can_save = self.has_change_permission(request, obj) if change else add
        if can_save and not context.get("is_popup"):
            visibility = obj.visibility if obj is not None and obj.pk else "draft"
            context["publishing_buttons"] = publishing.buttons(visibility)
            context["publishing_field"] = publishing.FIELD
        context["word_count_field"] = self.word_count_field
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if response := self.after_publishing(request, obj):
            return response
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if response := self.after_publishing(request, obj):
            return response
        return super().response_change(request, obj)

    def after_publishing(self, request, obj):
        """Back to the form, saying what the publishing button did (None for other saves)."""
        action = request.POST.get(publishing.FIELD)
        if action not in publishing.ACTIONS or IS_POPUP_VAR in request.POST:
            return None
        self.message_user(request, f"{publishing.outcome(action, obj)}.", messages.SUCCESS)
        opts = self.opts
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[quote(obj.pk)],
            current_app=self.admin_site.name,
        )
        filters = {"preserved_filters": self.get_preserved_filters(request), "opts": opts}
        return HttpResponseRedirect(add_preserved_filters(filters, url))

    @admin.action(description="Publish selected items now", permissions=["change"])
    def publish_selected(self, request, queryset):
        # Drafts, private and scheduled items alike go live now; a past time would put the
        # item in the wrong place in date-ordered lists, so it becomes now as well.
        changed = 0
        for item in queryset.exclude(pk__in=queryset.published().values("pk")):
            item.status = Status.PUBLISHED
            item.publish_at = timezone.now()
            item.updated_by = request.user
            self.save_with_revision(request, item, "Published from the list.")
            changed += 1
        self.message_user(request, f"Published {changed} item(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected items (back to draft)", permissions=["change"])
    def unpublish_selected(self, request, queryset):
        changed = 0
        for item in queryset.filter(status=Status.PUBLISHED):
            item.status = Status.DRAFT
            item.updated_by = request.user
            self.save_with_revision(request, item, "Moved back to draft from the list.")
            changed += 1
        self.message_user(request, f"Moved {changed} item(s) back to draft.", messages.SUCCESS)

    def save_with_revision(self, request, item, comment):
        if not reversion.is_registered(type(item)):
            item.save()
            return
        with reversion.create_revision():
            item.save()
            reversion.set_user(request.user)
            reversion.set_comment(comment)


@admin.register(MovedPage)
class MovedPageAdmin(admin.ModelAdmin):
    list_display = ["old_path", "new_path", "created_at"]
    search_fields = ["old_path", "new_path"]
