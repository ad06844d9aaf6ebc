"""Settings for the test suite: fast hashing, a private cache, media in a temp dir."""

import os
import tempfile

# Production mode (DEBUG off) needs these; tests supply harmless values before loading.
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from competencyworks.settings import *  # noqa: F403

DEBUG = False
SECURE_SSL_REDIRECT = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="cw-test-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="cw-test-static-")  # whitenoise expects it to exist
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Page caching has its own tests; elsewhere each request should reach the view.
PAGE_CACHE_SECONDS = 0
FRAGMENT_CACHE = False
# Login rate limiting has its own tests (it needs a request, which client.login() lacks).
AXES_ENABLED = False
# Imports in tests never reach out to the sites their fixtures name; media tests opt in.
IMPORT_MEDIA = False
