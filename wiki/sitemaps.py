from competencyworks.sitemap_base import ContentSitemap
from wiki.models import Page, Resource, Topic


class ResourceSitemap(ContentSitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return Resource.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, resource):
        return resource.updated_at


class PageSitemap(ResourceSitemap):
    def items(self):
        return Page.objects.published().only("slug", "updated_at").order_by("pk")


class TopicSitemap(ContentSitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        return Topic.objects.order_by("pk")
