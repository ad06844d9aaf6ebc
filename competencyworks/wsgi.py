import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "competencyworks.settings")
django_application = get_wsgi_application()

from competencyworks.pagecache.front import PageCacheFront  # noqa: E402  (needs the apps loaded)

# Cached pages for anonymous readers are answered before Django's request handling.
application = PageCacheFront(django_application)
