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
        order = {label: position for position, label in enumerate(content.CONTENT_APPS)}
        content_apps = sorted(
            (app for app in app_list if app["app_label"] in order),
            key=lambda app: order[app["app_label"]],
        )
        if not request.user.is_superuser:
            return content_apps
        return content_apps + [app for app in app_list if app["app_label"] not in order]

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
        app_list = self.get_app_list(request)
        context = {
            "title": "Start",
            "app_list": [app for app in app_list if app["app_label"] in content.CONTENT_APPS],
            "technical_apps": [
                app for app in app_list if app["app_label"] not in content.CONTENT_APPS
            ],
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
