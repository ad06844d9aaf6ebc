"""A series' dossier: every public part in reading order, in full, on one printable page or
as a PDF."""

from django.http import Http404
from django.urls import reverse

from blog.models import Post, Series, bylines_prefetch
from competencyworks.dossiers import DossierView


class SeriesDossierView(DossierView):
    template_name = "dossiers/series.html"

    def file_name(self, series):
        return f"{series.slug}-series"

    def get_subject(self):
        series = Series.objects.with_published_parts().filter(slug=self.kwargs["slug"]).first()
        if series is None:
            raise Http404("No series with public parts at this address.")
        return series

    def dossier_context(self, series):
        parts = list(
            Post.objects.published()
            .filter(series=series)
            .select_related("section")
            .prefetch_related(bylines_prefetch())
            .in_reading_order()
        )
        return {
            "series": series,
            "parts": parts,
            "item_count": len(parts),
            "page_url": reverse("blog:series-dossier", args=[series.slug]),
            "pdf_url": reverse("blog:series-dossier-pdf", args=[series.slug]),
            "back_url": series.get_absolute_url(),
            "back_label": "Back to the series",
            "item_name": "parts",
        }
