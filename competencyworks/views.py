from django.urls import reverse
from django.views.generic import TemplateView

from blog.models import Post, Section, Series

POSTS_PER_SECTION = 4


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        latest = list(Post.objects.published().for_cards().latest_per_section(POSTS_PER_SECTION))
        sections = []
        for section in Section.objects.all():
            posts = [post for post in latest if post.section_id == section.pk]
            if posts:
                sections.append((section, posts))
        return super().get_context_data(
            sections=sections,
            current_series=Series.objects.with_published_parts()[:3],
            **kwargs,
        )


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain"

    def get_context_data(self, **kwargs):
        sitemap = self.request.build_absolute_uri(reverse("sitemap"))
        return super().get_context_data(sitemap_url=sitemap, **kwargs)
