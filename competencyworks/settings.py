"""Settings read from the environment, with defaults that run on SQLite.

DATABASE_URL   database (default: sqlite:///db.sqlite3 beside manage.py)
DATABASE_REPLICA_URL  optional read replica of DATABASE_URL, read by anonymous GET and HEAD
               requests only (competencyworks.db_routers)
REDIS_URL      shared cache for several app processes; without it each caches in memory
SECRET_KEY     required unless DEBUG=1
ALLOWED_HOSTS  comma-separated host names; required unless DEBUG=1
DEBUG          1 for local development (manage.py and make run set it)
HTTPS          0 to serve production settings over plain http on your own machine
TRUSTED_PROXY_COUNT  proxies in front of the site that append to X-Forwarded-For (default 0:
               the connecting address is the client and X-Forwarded-For is ignored)
HSTS_INCLUDE_SUBDOMAINS, HSTS_PRELOAD  1 to add these HSTS directives (default off: browsers
               keep them long after they are removed)
SERVE_MEDIA    1 to let Django serve uploads (make serve, browser tests); production uses
               a web server or object storage instead (default: DEBUG)
MEDIA_ROOT, MEDIA_STORAGE, TIME_ZONE, IMAGE_MAX_BYTES, IMAGE_MAX_PIXELS, PAGE_CACHE_SECONDS,
LINK_CHECK_ALLOWED_NETWORKS, IMPORT_MEDIA
LOG_LEVEL, LOG_FORMAT  log level (default INFO); LOG_FORMAT=json writes one JSON object a line
SENTRY_DSN     report uncaught errors to Sentry (or a compatible tracker); nothing is sent
               without it. SENTRY_ENVIRONMENT, SENTRY_RELEASE, SENTRY_TRACES_SAMPLE_RATE (0)
DEBUG_PAGES    1 (with DEBUG=1) for Django's technical 404 and 500 pages instead of the site's
SITE_URL       the site's address in e-mail links (default: https:// and the first ALLOWED_HOSTS)
EMAIL_BACKEND  Django e-mail backend (default: the console when DEBUG=1, else SMTP)
EMAIL_HOST, EMAIL_PORT (587), EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS (1)
               the SMTP server alerts are sent through
DEFAULT_FROM_EMAIL  the sender of e-mail alerts (default: alerts@ and the first ALLOWED_HOSTS)
"""

import importlib.util
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DEBUG")
if DEBUG:
    SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-local-development-key")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
else:
    try:
        SECRET_KEY = os.environ["SECRET_KEY"]
        ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "")
    except KeyError:
        raise ImproperlyConfigured(
            "Set SECRET_KEY (and ALLOWED_HOSTS) in the environment, or DEBUG=1 locally."
        ) from None
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=www.example.org")

INSTALLED_APPS = [
    "competencyworks.editorial.apps.EditorialAdminConfig",  # Django's admin, for editors
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "csp",
    "axes",
    "django_filters",
    "django_prose_editor",
    "imagekit",
    "taggit",
    "reversion",
    "competencyworks",
    "medialibrary",
    "blog",
    "wiki",
    "policy",
    "alerts",
    "roundups",
]

MIDDLEWARE = [
    # First, so every answer is logged, cached pages and redirects included.
    "competencyworks.logging.RequestLogMiddleware",
    # Answers cached pages as they were sent, and stores finished pages
    # (competencyworks.pagecache; in production its WSGI front answers most hits first).
    "competencyworks.pagecache.middleware.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "competencyworks.middleware.RejectNulBytesMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "competencyworks.pagecache.middleware.CacheablePageMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "competencyworks.middleware.MovedPageMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Behind a proxy every request comes from the proxy's address: the client's is read from the
# X-Forwarded-For entries that this many trusted proxies appended (competencyworks.clients).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Admin logins: 5 failures for one username from one address lock that username there for an
# hour; 5 from one address whatever the usernames (password spraying) lock the address. axes
# compares the larger of the two counts with one limit, so both share it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_CLIENT_IP_CALLABLE = "competencyworks.clients.client_ip"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

ROOT_URLCONF = "competencyworks.urls"
WSGI_APPLICATION = "competencyworks.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "competencyworks.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # While an import writes, readers keep reading (WAL) and other writers queue for up to
    # 20 s; IMMEDIATE takes the write lock when a transaction starts, because a transaction
    # that has read cannot wait for it later and fails at once with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

# A read-only copy of the primary for anonymous readers (competencyworks.db_routers); tests
# point it at the primary's test database.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **dj_database_url.parse(
            os.environ["DATABASE_REPLICA_URL"],
            conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        ),
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["competencyworks.db_routers.ReplicaRouter"]
    # Before the page cache, so a cached page's version comes from the data it shows.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("competencyworks.pagecache.middleware.PageCacheMiddleware"),
        "competencyworks.db_routers.ReplicaReadsMiddleware",
    )

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "cw",
            # A Redis that stops answering costs a page a fraction of a second, after which
            # pages are served uncached for a while (competencyworks.pagecache.store).
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    # Each process caches pages in its own memory (at most 300, Django's default), keyed by
    # the content version all processes share through the database.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = False  # English only; leaving it on costs every page a language lookup per URL and date
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
SERVE_MEDIA = os.environ.get("SERVE_MEDIA", "1" if DEBUG else "0") == "1"
STORAGES = {
    # Any Django storage backend (e.g. storages.backends.s3.S3Storage) without code changes.
    "default": {
        "BACKEND": os.environ.get("MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "competencyworks.staticfiles.MinifiedManifestStaticFilesStorage"
    },
}

# Object storage (MEDIA_STORAGE=storages.backends.s3.S3Storage): the bucket, and for services
# other than AWS their endpoint; credentials come from AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY as boto3 reads them. Addresses are plain, never signed: signed ones
# expire while cached pages still show them.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL")
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME")
AWS_QUERYSTRING_AUTH = False
# Media served from another host (the bucket, a CDN): MEDIA_URL is that address, files get
# addresses under it and pages may show images from it.
media_address = urlsplit(MEDIA_URL)
MEDIA_ORIGIN = f"{media_address.scheme}://{media_address.netloc}" if media_address.netloc else None
if MEDIA_ORIGIN:
    AWS_S3_URL_PROTOCOL = f"{media_address.scheme}:"
    AWS_S3_CUSTOM_DOMAIN = f"{media_address.netloc}{media_address.path}".rstrip("/")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Anonymous pages are cached until content changes (competencyworks.pagecache), for at most
# this long.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", 600))
# What every page repeats (navigation, filter choices, list counts) is built once per content
# version in each process (competencyworks/pagecache/fragments.py), cached pages or not.
FRAGMENT_CACHE = os.environ.get("FRAGMENT_CACHE", "1") == "1"

# check_links and import_archive's image downloads fetch only public addresses;
# comma-separated networks (CIDR) they may fetch too.
LINK_CHECK_ALLOWED_NETWORKS = env_list("LINK_CHECK_ALLOWED_NETWORKS", "")

# Site identity, used in feeds, Open Graph and the page chrome.
SITE_NAME = "CompetencyWorks"

# E-mail (alerts): printed to the console in development, sent through SMTP in production.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 30
site_host = (ALLOWED_HOSTS[0] if ALLOWED_HOSTS else "localhost").lstrip(".").strip("[]")
SITE_URL = os.environ.get(
    "SITE_URL", "http://localhost:8000" if DEBUG else f"https://{site_host}"
).rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <alerts@{site_host}>")
SITE_TAGLINE = "Practitioner knowledge on competency-based education"

# Uploads: refuse oversized files and decompression bombs before any processing.
IMAGE_MAX_BYTES = int(os.environ.get("IMAGE_MAX_BYTES", 10 * 1024 * 1024))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", 40_000_000))
# Long enough for phone panoramas and scrolling screenshots; thinner strips show nothing in
# the 16:9 and 1.91:1 crops of the renditions.
IMAGE_MAX_ASPECT_RATIO = 20
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# import_archive downloads images by default only when the old site answers (None);
# IMPORT_MEDIA=0 or 1 decides for every run that names neither --media nor --no-media.
IMPORT_MEDIA = {"": None, "0": False, "1": True}[os.environ.get("IMPORT_MEDIA", "")]

# Renditions are made once when an image is saved, never during a page request; if that
# fails, the image and its renditions are removed.
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "competencyworks.images.RenditionsOnSave"

TAGGIT_CASE_INSENSITIVE = True

LOGIN_URL = "admin:login"

SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Load balancers probe over plain http; the probe must not be redirected to https.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if not DEBUG and env_flag("HTTPS", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    # Both bind every subdomain (and, preloaded, every browser) for months: opt in only.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("HSTS_INCLUDE_SUBDOMAINS")
    SECURE_HSTS_PRELOAD = env_flag("HSTS_PRELOAD")
    # check --deploy asks for both; leaving them off is the choice made above.
    SILENCED_SYSTEM_CHECKS = [
        check
        for check, enabled in [
            ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
            ("security.W021", SECURE_HSTS_PRELOAD),
        ]
        if not enabled
    ]

# Browser features no page here uses are refused, for the pages and anything they embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    ]
}

# The public pages load only their own scripts, styles and images; the admin's editor
# injects an import map inline, so the admin is left to Django's own protections.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *filter(None, [MEDIA_ORIGIN])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Development (DEBUG=1): readers' 404 and 500 pages, as production shows them; DEBUG_PAGES=1
# shows Django's technical pages instead.
DEBUG_PAGES = DEBUG and env_flag("DEBUG_PAGES")
MIDDLEWARE.append("competencyworks.middleware.DesignedErrorPagesMiddleware")

# django-debug-toolbar, from the dev extra, for requests from this machine while DEBUG is on.
DEBUG_TOOLBAR = DEBUG and importlib.util.find_spec("debug_toolbar") is not None
if DEBUG_TOOLBAR:
    INSTALLED_APPS.append("debug_toolbar")
    # Inside GZipMiddleware, which would hide the page from it.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.gzip.GZipMiddleware") + 1,
        "debug_toolbar.middleware.DebugToolbarMiddleware",
    )
    INTERNAL_IPS = ["127.0.0.1", "::1"]
    CONTENT_SECURITY_POLICY["EXCLUDE_URL_PREFIXES"].append("/__debug__/")

# No format here or in gunicorn's shows a record's thread or multiprocessing name: not
# looking them up is a saving Python's logging documentation lists under "Optimization"
# (each request logs a line). gunicorn's own lines show the process id: that stays.
logging.logThreads = logging.logMultiprocessing = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {
            "()": "competencyworks.logging.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"()": "competencyworks.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("LOG_FORMAT") == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

if os.environ.get("SENTRY_DSN"):
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    # Errors with no personal data: no cookies, addresses, users, request bodies, nor the
    # values of local variables (a user object's is its username).
    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        integrations=[DjangoIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
    )
