from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from blog.sitemaps import PostSitemap, SeriesSitemap, SitePageSitemap
from policy.sitemaps import EntrySitemap, StateSitemap
from wiki.sitemaps import PageSitemap, ResourceSitemap, TopicSitemap


class StaticSitemap(Sitemap):
    priority = 0.8
    changefreq = "daily"

    def items(self):
        return [
            "home",
            "blog:list",
            "blog:series-index",
            "wiki:library",
            "wiki:pages",
            "wiki:topics",
        ]

    def location(self, name):
        return reverse(name)


sitemaps = {
    "pages": StaticSitemap,
    "site-pages": SitePageSitemap,
    "posts": PostSitemap,
    "series": SeriesSitemap,
    "resources": ResourceSitemap,
    "guides": PageSitemap,
    "topics": TopicSitemap,
    "policy-entries": EntrySitemap,
    "states": StateSitemap,
}
