from django.contrib.sitemaps import Sitemap

from blog.models import Post, Series


class PostSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.7
    limit = 5000

    def items(self):
        return Post.objects.published().only("slug", "publish_at", "updated_at").order_by("pk")

    def lastmod(self, post):
        return post.updated_at

    def get_latest_lastmod(self):
        # The index leaves lastmod out (it is optional) rather than scan every post for it;
        # each URL in the posts sitemap still carries its own.
        return None


class SeriesSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return Series.objects.with_published_parts()

    def lastmod(self, series):
        return series.latest_at
