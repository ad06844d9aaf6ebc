"""PDFs made on the server with xhtml2pdf, for posts and dossiers alike.

xhtml2pdf needs only pip (WeasyPrint would need the system's Pango), so `make run` makes
PDFs on a fresh machine. Renders are bounded: images read only from the site's own media
folder (never the network), limits on size and time, and each PDF is cached under the
content version, so it is made once per change.
"""

import io
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpResponse
from xhtml2pdf.config.resources import RenderLimitError, ResourceAccessPolicy

from competencyworks.pagecache import store
from competencyworks.pagecache.version import current_version

__all__ = ["RenderLimitError", "attachment", "cached_pdf", "render_pdf"]

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
    """The PDF of `html`; RenderLimitError if it is too big, too slow or fails to lay out."""
    if len(html.encode()) > LIMITS["max_document_bytes"]:
        raise RenderLimitError("the document is larger than a PDF may be made from")
    policy = ResourceAccessPolicy.server(Path(settings.MEDIA_ROOT), allow_remote=False, **LIMITS)
    from xhtml2pdf import pisa  # a third of a second to import: only where a PDF is made

    out = io.BytesIO()
    result = pisa.pisaDocument(
        html, dest=out, link_callback=link_callback, resource_policy=policy, encoding="utf-8"
    )
    if result.err:
        raise RenderLimitError(f"{result.err} error(s) rendering the PDF")
    return out.getvalue()


def cached_pdf(name, build):
    """The PDF called `name` made under the current content version: `build()` runs only
    when no process has made it since the last change."""
    key = f"pdf:{current_version()}:{name}"
    pdf = store.read(key)
    if pdf is None:
        pdf = build()
        store.write(key, pdf, CACHE_SECONDS)
    return pdf


def attachment(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
