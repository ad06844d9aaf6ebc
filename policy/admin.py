import re
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from competencyworks.admin import (
    PublishableAdmin,
    RevisionAdmin,
    TagSuggestMixin,
    VisibilityFilter,
)
from policy.models import (
    Event,
    PolicyEntry,
    Provision,
    Source,
    Sponsor,
    StageChange,
    State,
    Topic,
)


class StageChangeInline(admin.StackedInline):
    model = StageChange
    extra = 0
    fields = ["stage", "effective_from", "reason", "sources"]


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "jurisdiction"]
    list_filter = ["jurisdiction"]
    search_fields = ["name", "code"]
    readonly_fields = ["code", "name", "fips", "jurisdiction"]
    inlines = [StageChangeInline]

    def has_add_permission(self, request):
        return False  # states come from a migration

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    """Editors record stage changes here; states themselves are fixed."""

    list_display = ["state", "stage", "effective_from"]
    list_filter = ["stage", "state"]
    list_select_related = ["state"]
    search_fields = ["state__name", "reason"]
    autocomplete_fields = ["state"]
    date_hierarchy = "effective_from"


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


# Like StampedAdmin: editors paste bare domains, assume the secure scheme (Django 6's
# default; without it Django 5.2 warns on every entry form and assumes http).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class EventInline(admin.TabularInline):
    model = Event
    extra = 1


class SourceInline(admin.TabularInline):
    model = Source
    extra = 1
    formfield_overrides = URL_FIELDS


class ProvisionInline(admin.StackedInline):
    model = Provision
    extra = 0
    formfield_overrides = URL_FIELDS


class SponsorInline(admin.TabularInline):
    model = Sponsor
    extra = 0
    fields = ["name", "role", "party", "chamber", "order"]


def without_identifier(title, identifier):
    """The title with a leading copy of the identifier removed ("SB 143: Credit" -> "Credit"),
    or None when it does not start with it. Spacing and case are ignored ("sb143")."""
    tokens = identifier.split()
    if not tokens:
        return None
    pattern = r"\s*".join(map(re.escape, tokens))
    found = re.match(rf"\s*{pattern}(?!\w)[\s:.,;–—-]*", title, re.IGNORECASE)
    return title[found.end() :].strip() if found else None


class PolicyEntryForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        identifier = cleaned.get("identifier", "")
        rest = without_identifier(cleaned.get("title", ""), identifier)
        if rest == "":
            raise ValidationError(
                {"title": f"The title is only “{identifier}”, which is shown before it anyway: "
                 "give the entry's name, e.g. “Competency-based diploma”."}
            )  # fmt: skip
        if rest is not None:
            cleaned["title"] = rest
            self.identifier_removed = identifier
        return cleaned


class BillStatusFilter(admin.ChoicesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "bill status"


class PublicationFilter(VisibilityFilter):
    title = "publication status"


@admin.register(PolicyEntry)
class PolicyEntryAdmin(TagSuggestMixin, RevisionAdmin, PublishableAdmin):
    form = PolicyEntryForm
    list_display = [
        "entry",
        "state",
        "kind_and_year",
        "bill_status",
        "state_badge",
        "publish_date",
    ]
    list_filter = [
        ("policy_status", BillStatusFilter),
        PublicationFilter,
        "kind",
        "year",
        "topics",
        "state",
    ]
    list_select_related = ["state"]
    search_fields = ["title", "identifier", "summary", "state__name"]
    prepopulated_fields = {"slug": ["identifier", "title"]}
    autocomplete_fields = ["state", "topics", "related_posts", "related_resources"]
    compared_fields = ["title", "identifier", "kind", "policy_status", "summary", "status"]
    inlines = [EventInline, SourceInline, ProvisionInline, SponsorInline]
    fieldsets = [
        (None, {"fields": ["state", "identifier", "title", "slug", "kind", "session", "year"]}),
        ("Progress", {"fields": ["policy_status", "introduced_on", "enacted_on", "effective_on"]}),
        ("About it", {"fields": ["summary", "topics", "tags"]}),
        ("Related", {"fields": ["related_posts", "related_resources"]}),
        ("Publication", {"fields": ["publication_status", "status", "publish_at"]}),
    ]
    word_count_field = "summary"

    @admin.display(description="publication", ordering="status")
    def state_badge(self, obj):
        return super().state_badge(obj)

    @admin.display(description="publication status")
    def publication_status(self, obj):
        return super().publication_status(obj)

    @admin.display(description="entry", ordering="title")
    def entry(self, obj):
        if not obj.identifier:
            return obj.title
        return format_html('<span class="list-identifier">{}</span> {}', obj.identifier, obj.title)

    @admin.display(description="kind", ordering="kind")
    def kind_and_year(self, obj):
        return format_html(
            '{}<span class="list-detail">{}</span>', obj.get_kind_display(), obj.year
        )

    @admin.display(description="bill status", ordering="policy_status")
    def bill_status(self, obj):
        return obj.get_policy_status_display()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "policy_status":
            field.label = "Bill status"
            field.help_text = "Where the bill, rule or program stands now."
        elif db_field.name == "identifier":
            field.help_text = "Shown before the title, e.g. SB 143; don't repeat it in the title."
        return field

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if removed := getattr(form, "identifier_removed", ""):
            self.message_user(
                request,
                f"Removed “{removed}” from the start of the title: it is shown before the title.",
                messages.INFO,
            )
        if "policy_status" in form.changed_data:
            self.offer_stage_change(request, obj)

    def offer_stage_change(self, request, entry):
        """A changed bill status may move the state's stage: link a prefilled stage change."""
        if not request.user.has_perm("policy.add_stagechange"):
            return
        state = entry.state
        today = timezone.localdate()
        current = state.stage_changes.filter(effective_from__lte=today).first()
        stage = current.get_stage_display() if current else "Not assessed"
        status = entry.get_policy_status_display().lower()
        query = urlencode(
            {
                "state": state.pk,
                "effective_from": (entry.effective_on or entry.enacted_on or today).isoformat(),
                "reason": f"{entry.label} ({status}).",
            }
        )
        url = f"{reverse('admin:policy_stagechange_add')}?{query}"
        self.message_user(
            request,
            format_html(
                "{} is at stage {}. Does this entry change that? "
                '<a href="{}">Record a stage change for {}</a>.',
                state.name,
                stage,
                url,
                state.name,
            ),
            messages.INFO,
        )
