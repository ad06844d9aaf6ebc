from django.urls import reverse
from django.views.generic import TemplateView

from blog.models import Post, Series
from wiki.models import Resource

POSTS_PER_SECTION = 4
NEW_RESOURCES = 5


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sections=Post.objects.published().for_cards().latest_by_section(POSTS_PER_SECTION),
            current_series=Series.objects.with_published_parts()[:3],
            new_resources=Resource.objects.published().order_by("-publish_at")[:NEW_RESOURCES],
            **kwargs,
        )


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain"

    def get_context_data(self, **kwargs):
        sitemap = self.request.build_absolute_uri(reverse("sitemap"))
        return super().get_context_data(sitemap_url=sitemap, **kwargs)
