"""A post as a PDF, made on the server from the print view's content with xhtml2pdf.

xhtml2pdf needs only pip (WeasyPrint would need the system's Pango), so `make run` makes
PDFs on a fresh machine. Renders are bounded: one published post per request, images read
only from the site's own media folder (never the network), limits on size and time, and
each PDF is cached under the content version, so it is made once per change.
"""

import io
import logging
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import RenderLimitError, ResourceAccessPolicy

from blog.models import Post, bylines_prefetch
from blog.views import PostDetailView, SeriesBox
from competencyworks.pagecache import store
from competencyworks.pagecache.version import current_version

logger = logging.getLogger(__name__)
CACHE_SECONDS = 24 * 60 * 60
LIMITS = {
    "max_resources": 20,
    "max_total_bytes": 15 * 1024 * 1024,
    "max_render_seconds": 20,
    "max_document_bytes": 2 * 1024 * 1024,
}


def media_file(uri):
    """The local path of a media address (a featured or body image), else None."""
    if not uri.startswith(settings.MEDIA_URL):
        return None
    name = uri[len(settings.MEDIA_URL) :].split("?")[0]
    try:
        path = Path(default_storage.path(name))
    except (NotImplementedError, ValueError):  # remote storage, or a path outside media
        return None
    return str(path) if path.is_file() else None


def link_callback(uri, rel):
    # Anything but our own media (remote images, other sites) is left out of the PDF.
    return media_file(uri) or ""


def render_pdf(html):
    policy = ResourceAccessPolicy.server(Path(settings.MEDIA_ROOT), allow_remote=False, **LIMITS)
    out = io.BytesIO()
    result = pisa.pisaDocument(
        html, dest=out, link_callback=link_callback, resource_policy=policy, encoding="utf-8"
    )
    if result.err:
        raise RenderLimitError(f"{result.err} error(s) rendering the PDF")
    return out.getvalue()


class PostPdfView(PostDetailView):
    """/…/slug/pdf/: the published post as a PDF attachment named after its slug."""

    template_name = "blog/post_pdf.html"

    def get_queryset(self):
        return (
            Post.objects.published()
            .select_related("section", "series")
            .prefetch_related(bylines_prefetch())
        )

    def get(self, request, *args, **kwargs):
        post = self.get_object()
        if not request.path.startswith(post.get_absolute_url()):
            raise Http404("No post at this address.")
        key = f"pdf:{current_version()}:{post.pk}"
        pdf = store.read(key)
        if pdf is None:
            pdf = self.make_pdf(post)
            store.write(key, pdf, CACHE_SECONDS)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{post.slug}.pdf"'
        return response

    def make_pdf(self, post):
        context = {"post": post, "site_url": self.request.build_absolute_uri("/")[:-1]}
        if post.series_id:
            parts = list(
                Post.objects.published()
                .filter(series_id=post.series_id)
                .order_by("series_part", "publish_at")
                .only("title", "slug", "publish_at", "series_part", "status")
            )
            context["series_box"] = SeriesBox(post, parts)
        try:
            return render_pdf(render_to_string(self.template_name, context, self.request))
        except RenderLimitError:
            # Too long or too slow to lay out: a short PDF that sends readers to the post.
            logger.warning("PDF of post %s cut short", post.pk, exc_info=True)
            context["too_long"] = True
            return render_pdf(render_to_string(self.template_name, context, self.request))
