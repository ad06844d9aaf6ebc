from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    MiddlewareNotUsed,
    PermissionDenied,
    SuspiciousOperation,
)
from django.core.signals import got_request_exception
from django.http import Http404, HttpResponseBadRequest, HttpResponsePermanentRedirect
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, get_resolver, resolve
from django.utils.log import log_response

from competencyworks.models import MovedPage

# Answered with their own 400 or 403 status (Django's technical page under DEBUG).
CLIENT_ERRORS = (PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)


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


class DesignedErrorPagesMiddleware:
    """With DEBUG on, answer a missing page or a failure with the pages readers get.

    Django shows its technical pages whenever DEBUG is on, without asking the error handlers;
    DEBUG_PAGES=1 brings them back. Last in MIDDLEWARE, so the others see the 404 or 500
    answer as they would in production (moved pages, APPEND_SLASH).
    """

    def __init__(self, get_response):
        if not settings.DEBUG or settings.DEBUG_PAGES:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        try:
            resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404 as missing:
            return self.process_exception(request, missing)
        return self.get_response(request)

    def process_exception(self, request, exception):
        resolver = get_resolver(getattr(request, "urlconf", None))
        if isinstance(exception, Http404):
            return resolver.resolve_error_handler(404)(request, exception)
        if isinstance(exception, CLIENT_ERRORS):
            return None  # Django's answers to these do not depend on DEBUG
        got_request_exception.send(sender=None, request=request)
        response = resolver.resolve_error_handler(500)(request)
        # The traceback still reaches the console.
        log_response(
            "%s: %s", response.reason_phrase, request.path,
            response=response, request=request, exception=exception,
        )  # fmt: skip
        return response
