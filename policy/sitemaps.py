from competencyworks.sitemap_base import ContentSitemap
from policy.models import PolicyEntry, State


class EntrySitemap(ContentSitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return PolicyEntry.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, entry):
        return entry.updated_at


class StateSitemap(ContentSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return State.objects.order_by("pk")
