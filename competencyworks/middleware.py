from urllib.parse import unquote

from django.http import HttpResponseBadRequest, HttpResponsePermanentRedirect

from competencyworks.models import MovedPage


class RejectNulBytesMiddleware:
    """A NUL byte in the address is never valid, and PostgreSQL refuses it in any query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return HttpResponseBadRequest("The address contains a NUL character.")
        return self.get_response(request)


class MovedPageMiddleware:
    """Answer a 404 with a 301 when the path belonged to content that moved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        moved = MovedPage.objects.filter(old_path=request.path).first()
        # While the item is not public its old address is as missing as the item itself.
        if moved is None or not moved.leads_to_public_page:
            return response
        query = request.META.get("QUERY_STRING")
        return HttpResponsePermanentRedirect(
            f"{moved.new_path}?{query}" if query else moved.new_path
        )
