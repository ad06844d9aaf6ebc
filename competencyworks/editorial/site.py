from django.contrib import admin
from django.urls import path

from competencyworks.editorial import content
from competencyworks.editorial.start import start_screen
from competencyworks.editorial.views import CalendarView, MoveView


class EditorialAdminSite(admin.AdminSite):
    """Django's admin with a start screen and an editorial calendar for editors.

    Content apps come first everywhere the admin lists apps; the technical ones (accounts,
    login limits, tags, redirects, revisions) are listed for superusers only, so editors
    see only the content they work on.
    """

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label:
            return app_list
        content_apps, technical_apps = split_apps(app_list)
        if not request.user.is_superuser:
            return content_apps
        return content_apps + technical_apps

    def content_kinds(self, request, action="view"):
        """The kinds of content this user may see (or, with "change", move) in the admin."""
        kinds = []
        for kind in content.KINDS:
            model_admin = self._registry.get(kind.model)
            if model_admin is None:
                continue
            if action == "change":
                allowed = model_admin.has_change_permission(request)
            else:
                allowed = model_admin.has_view_or_change_permission(request)
            if allowed:
                kinds.append(kind)
        return kinds

    def index(self, request, extra_context=None):
        content_apps, technical_apps = split_apps(self.get_app_list(request))
        context = {
            "title": "Start",
            "app_list": content_apps,
            "technical_apps": technical_apps,
            **start_screen(request, self),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def get_urls(self):
        calendar = self.admin_view(CalendarView.as_view(site=self))
        move = self.admin_view(MoveView.as_view(site=self))
        return [
            path("calendar/", calendar, name="calendar"),
            path("calendar/<int:year>/<int:month>/", calendar, name="calendar_month"),
            path("calendar/move/", move, name="calendar_move"),
            *super().get_urls(),
        ]


def split_apps(app_list):
    """(content apps, blog, wiki and policy first; technical apps), each keeping its order."""
    first = {label: position for position, label in enumerate(content.FIRST_APPS)}
    content_apps = [app for app in app_list if app["app_label"] not in content.TECHNICAL_APPS]
    content_apps.sort(key=lambda app: first.get(app["app_label"], len(first)))
    technical = [app for app in app_list if app["app_label"] in content.TECHNICAL_APPS]
    return content_apps, technical
