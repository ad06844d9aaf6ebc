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
        # Walks the updated_at index from the newest end instead of scanning every post.
        latest = Post.objects.published().order_by("-updated_at")
        return latest.values_list("updated_at", flat=True).first()


class SeriesSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return Series.objects.with_published_parts()

    def lastmod(self, series):
        return series.latest_at

    def get_latest_lastmod(self):
        return self.items().values_list("latest_at", flat=True).first()
