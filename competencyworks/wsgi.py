import os
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
