"""A post as a PDF, made on the server from the print view's content.

The rendering, its limits and the cache are shared with the dossiers (competencyworks/pdf.py):
one published post per request, made once per content change.
"""

import logging

from django.http import Http404
from django.template.loader import render_to_string

from blog.models import Post, bylines_prefetch
from blog.views import PostDetailView, SeriesBox
from competencyworks.pdf import RenderLimitError, attachment, cached_pdf, render_pdf

logger = logging.getLogger(__name__)


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
        pdf = cached_pdf(f"post:{post.pk}", lambda: self.make_pdf(post))
        return attachment(pdf, f"{post.slug}.pdf")

    def make_pdf(self, post):
        context = {"post": post, "site_url": self.request.build_absolute_uri("/")[:-1]}
        if post.series_id:
            context["series_box"] = SeriesBox.of(post)
        try:
            return render_pdf(render_to_string(self.template_name, context, self.request))
        except RenderLimitError:
            # Too long or too slow to lay out: a short PDF that sends readers to the post.
            logger.warning("PDF of post %s cut short", post.pk, exc_info=True)
            context["too_long"] = True
            return render_pdf(render_to_string(self.template_name, context, self.request))
