from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = "State policy"

    def ready(self):
        from competencyworks import search
        from competencyworks.publishing import changes
        from policy.models import Provision, Source, StageChange, State, Topic
        from policy.search import EntryDocument

        search.register(EntryDocument)
        for model in (State, StageChange, Topic, Source, Provision):  # shown on public pages
            changes.watch(model)
