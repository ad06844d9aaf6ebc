import os
import time
from email.utils import formatdate
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "competencyworks.settings")
django_application = get_wsgi_application()

from competencyworks.pagecache.front import PageCacheFront  # noqa: E402  (needs the apps loaded)

# Cached pages for anonymous readers are answered before Django's request handling.
application = PageCacheFront(django_application)

# Loaded now rather than on each worker's first request (about 0.4 s): once in the app
# server's master process, which its workers share (uWSGI forks them from it, as gunicorn
# does with preload_app), or at each worker's start.
import_module(settings.ROOT_URLCONF)
import_module("xhtml2pdf.pisa")


class DateHeader:
    """Adds the Date header an HTTP/1.1 origin server must send (RFC 9110, 6.6.1): gunicorn
    writes one itself, uWSGI does not, so serve.py serves `dated_application`. The text is
    made once a second."""

    def __init__(self, app):
        self.app = app
        self.second_header = (None, None)  # (second, its header), replaced whole

    def __call__(self, environ, start_response):
        def start_dated(status, headers, exc_info=None):
            return start_response(status, [*headers, self.header()], exc_info)

        return self.app(environ, start_dated)

    def header(self):
        second = int(time.time())
        cached = self.second_header
        if cached[0] != second:
            cached = second, ("Date", formatdate(second, usegmt=True))
            self.second_header = cached
        return cached[1]


dated_application = DateHeader(application)
