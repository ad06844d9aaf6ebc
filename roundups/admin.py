from datetime import date

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html

from roundups.compose import compose_roundup
from roundups.models import CollectedLink
from roundups.titles import fetch_title

RECENT = 50  # links listed under the collect form


class CollectForm(forms.ModelForm):
    """A link to collect; an empty title is read from the page itself when it is saved."""

    url = forms.URLField(
        label="Address",
        max_length=CollectedLink._meta.get_field("url").max_length,
        assume_scheme="https",  # editors paste bare domains
        widget=forms.URLInput(attrs={"class": "vURLField", "autofocus": True}),
    )

    class Meta:
        model = CollectedLink
        fields = ["url", "title", "note", "heading", "state", "topic", "save_as_resource"]
        widgets = {
            "note": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "title": forms.TextInput(attrs={"class": "vLargeTextField"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = "Leave empty: the page's own title is read when you save."

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Only web addresses (http or https) can be collected.")
        return url

    def clean(self):
        cleaned = super().clean()
        url = cleaned.get("url")
        if url and not cleaned.get("title"):
            fetched = fetch_title(url, allowed_networks=settings.LINK_CHECK_ALLOWED_NETWORKS)
            if fetched.error:
                self.add_error(
                    "title",
                    f"The page's title could not be read ({fetched.error}). Type the title "
                    "and save again: everything else you entered is kept.",
                )
            else:
                limit = CollectedLink._meta.get_field("title").max_length
                cleaned["title"] = fetched.title[:limit]
        return cleaned


class UsedFilter(admin.SimpleListFilter):
    title = "in a roundup"
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("no", "Not yet"), ("yes", "Yes")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.unused()
        if self.value() == "yes":
            return queryset.filter(used_in__isnull=False)
        return queryset


class MonthFilter(admin.SimpleListFilter):
    title = "collected in"
    parameter_name = "month"

    def lookups(self, request, model_admin):
        months = CollectedLink.objects.dates("collected_at", "month", order="DESC")
        return [(f"{month:%Y-%m}", format_date(month, "F Y")) for month in months]

    def queryset(self, request, queryset):
        month = parse_month(self.value())
        return queryset.collected_in(month) if month else queryset


def parse_month(value):
    """The first day of a "YYYY-MM" month, or None."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def counted(number, singular, plural):
    return f"{number} {singular if number == 1 else plural}"


def this_month():
    return timezone.localdate().replace(day=1)


@admin.register(CollectedLink)
class CollectedLinkAdmin(admin.ModelAdmin):
    form = CollectForm
    list_display = ["title", "heading", "state", "collected_at", "collector", "roundup"]
    list_filter = ["heading", UsedFilter, MonthFilter, "save_as_resource"]
    list_select_related = ["state", "collected_by", "used_in"]
    search_fields = ["title", "note", "url"]
    actions = ["compose_selected"]
    readonly_fields = ["collector", "collected_at", "roundup"]

    def get_urls(self):
        collect = self.admin_site.admin_view(self.collect_view)
        compose = self.admin_site.admin_view(self.compose_month_view)
        return [
            path("collect/", collect, name="roundups_collectedlink_collect"),
            path("compose/", compose, name="roundups_collectedlink_compose"),
            *super().get_urls(),
        ]

    def has_compose_permission(self, request):
        return request.user.has_perm("blog.add_post")

    @admin.display(description="collected by")
    def collector(self, obj):
        # A name, never the account: editors' user names are their e-mail addresses.
        user = obj.collected_by
        return (user.get_full_name() if user else "") or "—"

    @admin.display(description="roundup", ordering="used_in__title")
    def roundup(self, obj):
        if obj.used_in_id is None:
            return "—"
        url = reverse("admin:blog_post_change", args=[obj.used_in_id])
        return format_html('<a href="{}">{}</a>', url, obj.used_in.title)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.collected_by = request.user
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        month = parse_month(request.GET.get("month")) or this_month()
        context = {
            "compose_month": f"{month:%Y-%m}",
            "compose_label": f"Compose {format_date(month, 'F')}’s roundup",
            "can_compose": self.has_compose_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def collect_view(self, request):
        """Collect a link with as little typing as possible: the address, and the title
        is read from the page; then the form is ready for the next link."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CollectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            link = form.save(commit=False)
            self.save_model(request, link, form, change=False)
            self.log_addition(request, link, [{"added": {}}])
            change_url = reverse("admin:roundups_collectedlink_change", args=[link.pk])
            messages.success(
                request,
                format_html(
                    "Collected <a href='{}'>“{}”</a> under {}. Collect the next one:",
                    change_url,
                    link.title,
                    link.get_heading_display(),
                ),
            )
            return HttpResponseRedirect(request.path)
        recent = (
            CollectedLink.objects.collected_in(this_month())
            .unused()
            .select_related("state")
            .in_roundup_order()[:RECENT]
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Collect a link",
            "form": form,
            "recent": recent,
            "month": this_month(),
            "can_compose": self.has_compose_permission(request),
            "compose_month": f"{this_month():%Y-%m}",
        }
        return TemplateResponse(request, "admin/roundups/collectedlink/collect.html", context)

    def compose_month_view(self, request):
        """Compose the roundup of every link of a month not yet in one (POST month=YYYY-MM)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_compose_permission(request):
            raise PermissionDenied
        month = parse_month(request.POST.get("month"))
        changelist = reverse("admin:roundups_collectedlink_changelist")
        if month is None:
            messages.error(request, "Choose a month to compose, as YYYY-MM.")
            return HttpResponseRedirect(changelist)
        links = CollectedLink.objects.collected_in(month)
        if not links.unused().exists():
            messages.warning(
                request,
                f"No link collected in {format_date(month, 'F Y')} is waiting for a roundup.",
            )
            return HttpResponseRedirect(changelist)
        return self.compose(request, links, month) or HttpResponseRedirect(changelist)

    @admin.action(description="Compose roundup from selected links", permissions=["compose"])
    def compose_selected(self, request, queryset):
        latest = queryset.order_by("-collected_at").values_list("collected_at", flat=True).first()
        return self.compose(request, queryset, timezone.localdate(latest).replace(day=1))

    def compose(self, request, links, month):
        """Compose, tell the editor what happened, and open the draft (None if none made)."""
        links = list(links)
        may_add_resources = request.user.has_perm("wiki.add_resource")
        result = compose_roundup(
            links, month=month, user=request.user, with_resources=may_add_resources
        )
        if result.post is None:
            messages.warning(request, "Every chosen link is already in a roundup: none composed.")
            return None
        parts = [
            f"Composed the draft “{result.post.title}” from "
            f"{counted(result.links, 'link', 'links')}."
        ]
        if result.skipped:
            parts.append(f"Left out, already in a roundup: {result.skipped}.")
        if result.resources:
            added = counted(len(result.resources), "draft resource", "draft resources")
            parts.append(f"Added to the library: {added}.")
        if result.resources_existing:
            parts.append(f"Already in the library: {result.resources_existing}.")
        messages.success(request, " ".join(parts))
        marked = [link for link in links if link.save_as_resource and link.used_in_id is None]
        if marked and not may_add_resources:
            messages.warning(
                request,
                f"Not added to the library: {counted(len(marked), 'link', 'links')} marked for it, "
                "as your account may not add library resources.",
            )
        return HttpResponseRedirect(reverse("admin:blog_post_change", args=[result.post.pk]))
