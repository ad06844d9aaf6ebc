from django.apps import AppConfig


class MediaLibraryConfig(AppConfig):
    name = "medialibrary"
    verbose_name = "Media"
