from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponseNotFound, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views import View
from django.views.generic import RedirectView, TemplateView

from competencyworks.models import SearchDocument
from competencyworks.pagecache import store

NOT_FOUND_POSTS = 5
PLAIN_NOT_FOUND = "<!doctype html><title>Page not found</title><h1>Page not found</h1>"


def not_found(request, exception=None):
    """The 404 page: a search box and the newest posts, so a dead link still leads on.

    Two queries whatever the address (the posts, the navigation's pages), and nothing of the
    reader's own: the same answer for everyone. It never fails itself: without a database
    it is the plain page."""
    try:
        recent = list(
            SearchDocument.objects.published().filter(kind="post")
            .only("title", "url", "publish_at", "dated").order_by("-publish_at")[:NOT_FOUND_POSTS]
        )  # fmt: skip
        return render(request, "404.html", {"recent_posts": recent}, status=404)
    except DatabaseError:
        return HttpResponseNotFound(PLAIN_NOT_FOUND)


class HealthView(View):
    """For load balancers and monitoring: 200 while the database answers, else 503.

    Without the cache pages are served uncached, slower but correct, so an unreachable cache
    reports "degraded" and the instance stays in service.
    """

    def get(self, request):
        checks = {"database": "ok", "cache": "ok" if store.reachable() else "degraded"}
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as error:
            checks["database"] = f"error: {error.__class__.__name__}"
        response = JsonResponse(checks, status=200 if checks["database"] == "ok" else 503)
        add_never_cache_headers(response)
        return response


class ReadyView(View):
    """For deploys and orchestrators: 200 once every migration is applied, else 503.

    Once all are applied they stay applied for this process, so later probes only ask
    the database whether it answers.
    """

    migrated = False

    def get(self, request):
        checks = {"migrations": "unknown", "database": "ok"}
        try:
            if not ReadyView.migrated:
                executor = MigrationExecutor(connection)
                unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
                ReadyView.migrated = not unapplied
            checks["migrations"] = "ok" if ReadyView.migrated else f"{len(unapplied)} unapplied"
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as error:
            checks["database"] = f"error: {error.__class__.__name__}"
        ready = checks == {"migrations": "ok", "database": "ok"}
        response = JsonResponse(checks, status=200 if ready else 503)
        add_never_cache_headers(response)
        return response


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on pages that name no icon, such as the admin's."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("img/favicon.svg")


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain"

    def get_context_data(self, **kwargs):
        sitemap = self.request.build_absolute_uri(reverse("sitemap"))
        return super().get_context_data(sitemap_url=sitemap, **kwargs)


class PreviewMixin:
    """Readers see published items; staff who may change them also see drafts, never cached."""

    def get_queryset(self):
        model = self.model._meta
        if self.request.user.has_perm(f"{model.app_label}.change_{model.model_name}"):
            return self.model.objects.all()
        return self.model.objects.published()

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if not self.object.is_public:
            add_never_cache_headers(response)
        return response
