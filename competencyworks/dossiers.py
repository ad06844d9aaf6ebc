"""Dossiers: many pieces of content on one printable page, and the same page as a PDF.

A dossier page is built with a fixed number of queries whatever it holds; its PDF reuses the
post PDF's bounded rendering and cache (competencyworks/pdf.py). A dossier with more pieces
than MAX_PDF_ITEMS, or whose page is too big or slow to lay out, gets a short PDF that says
so and sends readers to the printable page instead.
"""

import logging

from django.template.loader import render_to_string
from django.utils import timezone
from django.views.generic import TemplateView

from competencyworks.pdf import RenderLimitError, attachment, cached_pdf, render_pdf

logger = logging.getLogger(__name__)
MAX_PDF_ITEMS = 40


class DossierView(TemplateView):
    """The printable page, or with `as_pdf=True` its PDF download.

    Subclasses give `get_subject()` (the state or series, or 404), `file_name(subject)` and
    `dossier_context(subject)`: what the page shows, with `item_count`, the number of
    entries or parts. A PDF already made today under the current content version is served
    after the one query that finds the subject.
    """

    as_pdf = False

    def get(self, request, *args, **kwargs):
        subject = self.get_subject()
        if not self.as_pdf:
            return self.render_to_response(self.get_context_data(subject=subject, **kwargs))
        name = self.file_name(subject)
        made_on = timezone.localdate().isoformat()
        pdf = cached_pdf(
            f"dossier:{name}:{made_on}",
            lambda: self.make_pdf(self.get_context_data(subject=subject, **kwargs)),
        )
        return attachment(pdf, f"{name}.pdf")

    def get_context_data(self, subject, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.dossier_context(subject))
        context.update(
            made_on=timezone.localdate(),
            site_url=self.request.build_absolute_uri("/")[:-1],
            pdf=self.as_pdf,
            max_pdf_items=MAX_PDF_ITEMS,
            too_long=context["item_count"] > MAX_PDF_ITEMS,
        )
        return context

    def make_pdf(self, context):
        try:
            return render_pdf(render_to_string(self.template_name, context, self.request))
        except RenderLimitError:
            # Too big or too slow to lay out: a short PDF that sends readers to the page.
            logger.warning("PDF of %s cut short", self.request.path, exc_info=True)
            context["too_long"] = True
            return render_pdf(render_to_string(self.template_name, context, self.request))
