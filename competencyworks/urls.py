from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path, reverse_lazy
from django.views.generic import RedirectView
from django.views.static import serve

from blog import feeds, legacy
from blog import views as blog_views
from competencyworks import views
from competencyworks.search import views as search_views
from competencyworks.sitemaps import sitemaps
from wiki import views as wiki_views

admin.site.site_header = f"{settings.SITE_NAME} editors"
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("", blog_views.HomeView.as_view(), name="home"),
    # One page per tag across the site, at the address the blog's tag links have always had
    # (before the blog's own routes).
    path("blog/tags/", search_views.TagCloudView.as_view(), name="tags"),
    path("blog/tag/<uslug:slug>/", search_views.TagView.as_view(), name="tag"),
    path("blog/", include("blog.urls")),
    path("library/", include("wiki.urls")),
    re_path(r"^wiki/(?P<rest>.*)$", wiki_views.OldLibraryAddressView.as_view()),
    path("policy/", include("policy.urls")),
    path("alerts/", include("alerts.urls")),
    path("feed/", feeds.PostFeed(), name="feed"),
    path("feed/atom/", feeds.AtomPostFeed(), name="feed-atom"),
    path("search/", search_views.SearchView.as_view(), name="search"),
    path("search/feed/", search_views.SearchFeed(), name="search-feed"),
    path("tags/", RedirectView.as_view(pattern_name="tags", permanent=True)),
    path(
        "tags/<uslug:slug>/",
        RedirectView.as_view(pattern_name="tag", permanent=True, query_string=True),
    ),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
    path("favicon.ico", views.FaviconView.as_view(), name="favicon"),
    path("healthz", views.HealthView.as_view(), name="healthz"),
    path("readyz", views.ReadyView.as_view(), name="readyz"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": sitemaps, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps},
        name="sitemap-section",
    ),
    # The link `create_editor` prints: a new editor chooses a password, then logs in.
    path(
        "admin/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("admin:login")),
        name="editor-set-password",
    ),
    path("admin/", admin.site.urls),
    # The old WordPress site's addresses (the home page answers its ?p= and ?s= ones).
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?:(?P<day>[0-9]{2})/)?(?P<slug>[-\w]+)/$",
        legacy.OldPermalinkView.as_view(),
    ),
    re_path(
        r"^category/(?:[^/]+/)*?(?P<slug>[^/]+)/(?P<feed>feed/)?$",
        legacy.OldArchiveView.as_view(archive="category"),
    ),
    re_path(
        r"^tag/(?P<slug>[^/]+)/(?P<feed>feed/)?$", legacy.OldArchiveView.as_view(archive="tag")
    ),
    re_path(
        r"^author/(?P<slug>[^/]+)/(?P<feed>feed/)?$",
        legacy.OldArchiveView.as_view(archive="author"),
    ),
    # Last, so a page can never hide another part of the site.
    path("<uslug:slug>/", blog_views.SitePageView.as_view(), name="site-page"),
]

handler404 = views.not_found

if settings.SERVE_MEDIA:
    # static() adds nothing when DEBUG is off; `make serve` still needs uploads served.
    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(
        re_path(rf"^{prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

if settings.DEBUG_TOOLBAR:
    from debug_toolbar.toolbar import debug_toolbar_urls

    urlpatterns += debug_toolbar_urls()
