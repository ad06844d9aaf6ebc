from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Blog"

    def ready(self):
        from blog.models import Author, Byline, Section, Series
        from blog.search import PostDocument, SitePageDocument
        from competencyworks import search
        from competencyworks.publishing import changes

        search.register(PostDocument)
        search.register(SitePageDocument)
        for model in (Section, Author, Series, Byline):  # shown on public pages
            changes.watch(model)
