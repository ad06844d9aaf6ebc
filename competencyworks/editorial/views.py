"""The editorial calendar's pages: a month (grid or list) and moving an item to another day."""

import reversion
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.generic import TemplateView, View

from competencyworks.editorial import content
from competencyworks.editorial.calendar import YEARS, Month, moved_to

VIEWS = ["grid", "list"]


def when(moment):
    """The moment as editors read it, on the site's clock: "Tuesday 2 December 2026 at 9:30"."""
    return date_format(timezone.localtime(moment, content.site_zone()), r"l j F Y \a\t G:i")


def month_url(day, view="grid"):
    url = reverse("admin:calendar_month", args=[day.year, day.month])
    return f"{url}?view=list" if view == "list" else url


class SiteViewMixin:
    site = None  # the admin site serving the view, given by its get_urls()


class CalendarView(SiteViewMixin, TemplateView):
    """Everything dated in one month: published, scheduled and planned drafts."""

    template_name = "admin/editorial/calendar.html"

    def get_context_data(self, year=None, month=None, **kwargs):
        today = timezone.localdate(timezone=content.site_zone())
        if year is None:
            year, month = today.year, today.month
        if year not in YEARS or not 1 <= month <= 12:
            raise Http404("No calendar for that month.")
        view = self.request.GET.get("view")
        view = view if view in VIEWS else "grid"
        kinds = self.site.content_kinds(self.request)
        page = Month(year, month, kinds, today)
        movable = {kind.key for kind in self.site.content_kinds(self.request, "change")}
        return {
            **self.site.each_context(self.request),
            "title": f"Editorial calendar: {page.first:%B %Y}",
            "month": page,
            "view": view,
            "kinds": kinds,
            "movable": movable,
            "grid_url": month_url(page.first),
            "list_url": month_url(page.first, "list"),
            "previous_url": month_url(page.previous, view) if page.previous.year in YEARS else "",
            "next_url": month_url(page.next, view) if page.next.year in YEARS else "",
            "today_url": month_url(today, view),
            "move_url": reverse("admin:calendar_move"),
            **kwargs,
        }


class MoveForm(forms.Form):
    item = forms.CharField(max_length=100)
    date = forms.DateField()
    view = forms.ChoiceField(choices=[(view, view) for view in VIEWS], required=False)

    def clean_item(self):
        key, _, pk = self.cleaned_data["item"].partition(":")
        if key not in content.KIND_BY_KEY or not pk.isdigit():
            raise ValidationError("Unknown item.")
        return content.KIND_BY_KEY[key], pk

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day.year not in YEARS:
            raise ValidationError(f"Choose a date between {YEARS[0]} and {YEARS[-1]}.")
        return day


class MoveView(SiteViewMixin, View):
    """Moves an item to another day at the same time, as an admin save of its date would."""

    http_method_names = ["post"]

    def post(self, request):
        form = MoveForm(request.POST)
        if not form.is_valid():
            errors = "; ".join(error for errors in form.errors.values() for error in errors)
            messages.error(request, f"Nothing was moved: {errors}")
            return redirect("admin:calendar")
        kind, pk = form.cleaned_data["item"]
        view = form.cleaned_data["view"]
        model_admin = self.site._registry.get(kind.model)
        obj = model_admin.get_object(request, pk) if model_admin else None
        if obj is None:
            raise Http404("No such item.")
        if not model_admin.has_change_permission(request, obj):
            raise PermissionDenied
        if obj.publish_at is None:
            messages.error(request, f"“{obj.title}” has no date yet: set one in its form.")
            return redirect(month_url(timezone.localdate(timezone=content.site_zone()), view))

        old, new = obj.publish_at, moved_to(obj.publish_at, form.cleaned_data["date"])
        if new == old:
            messages.info(request, f"“{obj.title}” is already on {when(new)}.")
            return redirect(month_url(form.cleaned_data["date"], view))
        was = obj.visibility
        note = f"Moved on the calendar from {when(old)} to {when(new)}."
        # Like the admin's save: one transaction, a revision with its author, a LogEntry.
        database = router.db_for_write(kind.model)
        with transaction.atomic(using=database), reversion.create_revision():
            obj.publish_at = new
            obj.updated_by = request.user
            obj.save()
            reversion.set_user(request.user)
            model_admin.log_change(request, obj, note)
            reversion.set_comment(note)
        message = f"Moved “{obj.title}” to {when(new)}."
        if obj.visibility != was and obj.visibility in ("scheduled", "published"):
            message += {
                "scheduled": " It is now scheduled: readers see it from then.",
                "published": " It is now published.",
            }[obj.visibility]
        messages.success(request, message)
        return redirect(month_url(form.cleaned_data["date"], view))
