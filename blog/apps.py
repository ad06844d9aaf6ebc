from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Blog"

    def ready(self):
        from blog.models import Author, Byline, Section, Series, SitePage
        from blog.search import PostDocument
        from competencyworks import search
        from competencyworks.publishing import changes

        search.register(PostDocument)
        for model in (Section, Author, Series, Byline, SitePage):  # shown on public pages
            changes.watch(model)
