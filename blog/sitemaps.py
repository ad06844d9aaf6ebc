from blog.models import Post, Series, SitePage
from competencyworks.sitemap_base import ContentSitemap


class PostSitemap(ContentSitemap):
    changefreq = "monthly"
    priority = 0.7
    limit = 5000

    def items(self):
        return Post.objects.published().only("slug", "publish_at", "updated_at").order_by("pk")

    def lastmod(self, post):
        return post.updated_at


class SeriesSitemap(ContentSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return Series.objects.with_published_parts()

    def lastmod(self, series):
        return series.latest_at


class SitePageSitemap(ContentSitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return SitePage.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, page):
        return page.updated_at
