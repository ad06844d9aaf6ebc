from django.contrib import admin
from django.db import models

from competencyworks.admin import PublishableAdmin, RevisionAdmin, TagSuggestMixin
from policy.models import Event, PolicyEntry, Provision, Source, StageChange, State, Topic


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


@admin.register(PolicyEntry)
class PolicyEntryAdmin(TagSuggestMixin, RevisionAdmin, PublishableAdmin):
    list_display = ["title", "state", "identifier", "kind", "policy_status", "year", "state_badge"]
    list_filter = ["kind", "policy_status", "status", "year", "topics", "state"]
    list_select_related = ["state"]
    search_fields = ["title", "identifier", "summary", "state__name"]
    prepopulated_fields = {"slug": ["identifier", "title"]}
    autocomplete_fields = ["state", "topics", "related_posts", "related_resources"]
    compared_fields = ["title", "identifier", "kind", "policy_status", "summary", "status"]
    inlines = [EventInline, SourceInline, ProvisionInline]
    fieldsets = [
        (None, {"fields": ["state", "title", "slug", "kind", "identifier", "session", "year"]}),
        ("Progress", {"fields": ["policy_status", "introduced_on", "enacted_on", "effective_on"]}),
        ("About it", {"fields": ["summary", "topics", "tags"]}),
        ("Related", {"fields": ["related_posts", "related_resources"]}),
        ("Publishing", {"fields": ["status", "publish_at"]}),
    ]
