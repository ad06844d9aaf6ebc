from django.apps import AppConfig


class WikiConfig(AppConfig):
    name = "wiki"
    verbose_name = "Library"

    def ready(self):
        from competencyworks import search
        from competencyworks.publishing import changes
        from wiki import citations
        from wiki.models import Topic
        from wiki.search import PageDocument, ResourceDocument

        search.register(ResourceDocument)
        search.register(PageDocument)
        changes.watch(Topic)  # shown on public pages
        changes.after_commit(citations.follow_changes)
