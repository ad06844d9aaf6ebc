from django.apps import AppConfig


class CompetencyWorksConfig(AppConfig):
    name = "competencyworks"
    verbose_name = "Site"

    def ready(self):
        from competencyworks import signals

        signals.connect()
