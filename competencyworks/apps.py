from django.apps import AppConfig, apps
from django.db.models.signals import pre_save
from django.urls import register_converter


class CompetencyWorksConfig(AppConfig):
    name = "competencyworks"
    verbose_name = "Site"

    def ready(self):
        from competencyworks import signals
        from competencyworks.converters import UnicodeSlugConverter, routable_tag_slug
        from competencyworks.text import clean_before_save

        signals.connect()
        register_converter(UnicodeSlugConverter, "uslug")
        # Every row readers see, whichever model: no control character reaches a page or feed.
        for model in apps.get_models():
            if model._meta.app_label in signals.CONTENT_APPS:
                pre_save.connect(
                    clean_before_save, sender=model, dispatch_uid=f"clean_text_{model._meta.label}"
                )
        # After the text is cleaned, so a fallback slug hashes the name as stored.
        pre_save.connect(
            routable_tag_slug, sender=apps.get_model("taggit.Tag"), dispatch_uid="tag_slug"
        )
