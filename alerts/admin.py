from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from alerts.models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """How many readers follow what, never who: the list is a summary of counts per target
    and frequency, there is no form showing a subscription, and only superusers delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_actions(self, request):
        return {}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        raise PermissionDenied

    def history_view(self, request, object_id, extra_context=None):
        raise PermissionDenied

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = list(
            Subscription.objects.values("target", "value", "frequency")
            .annotate(
                confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
                pending=Count("pk", filter=Q(confirmed_at__isnull=True)),
            )
            .order_by("target", "value", "frequency")
        )
        for number, row in enumerate(rows):
            row["key"] = f"{row['target']}:{row['frequency']}:{row['value']}"
            row["number"] = number
        if request.method == "POST":
            return self.delete_groups(request, rows)
        context = {
            **self.admin_site.each_context(request),
            "title": "E-mail alert subscriptions",
            "opts": self.model._meta,
            "rows": rows,
            "can_delete": self.has_delete_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/alerts/summary.html", context)

    def delete_groups(self, request, rows):
        """Superusers delete every subscription of the chosen rows, after confirming."""
        if not self.has_delete_permission(request):
            raise PermissionDenied
        chosen = set(request.POST.getlist("group"))
        groups = [row for row in rows if row["key"] in chosen]
        if not groups:
            messages.warning(request, "Choose the subscriptions to delete.")
            return redirect(request.path)
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": "Delete these subscriptions?",
                "opts": self.model._meta,
                "rows": groups,
            }
            return TemplateResponse(request, "admin/alerts/delete_confirm.html", context)
        query = Q(pk__in=[])
        for row in groups:
            query |= Q(target=row["target"], value=row["value"], frequency=row["frequency"])
        deleted, _ = Subscription.objects.filter(query).delete()
        messages.success(request, f"Deleted {deleted} subscription(s).")
        return redirect(request.path)
