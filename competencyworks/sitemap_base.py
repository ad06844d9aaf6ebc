from django.contrib.sitemaps import Sitemap


class ContentSitemap(Sitemap):
    """Each URL carries its own lastmod; the index leaves it out (it is optional) rather
    than load every item of the section to find the newest."""

    def get_latest_lastmod(self):
        return None
