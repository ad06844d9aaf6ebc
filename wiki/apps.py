from django.apps import AppConfig


class WikiConfig(AppConfig):
    name = "wiki"
    verbose_name = "Resource wiki"

    def ready(self):
        from wiki import citations  # noqa: F401 - connects the citation signal handlers
