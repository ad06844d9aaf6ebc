"""Static files as production serves them: stylesheets minified, then hashed and compressed."""

from django.core.files.base import ContentFile
from rcssmin import cssmin
from whitenoise.storage import CompressedManifestStaticFilesStorage


class MinifiedStylesheets:
    """A source storage whose stylesheets open minified, so the hash is of what is served."""

    def __init__(self, storage):
        self.storage = storage

    def open(self, path, mode="rb"):
        with self.storage.open(path) as source:
            return ContentFile(cssmin(source.read().decode()).encode(), name=path)

    def __getattr__(self, name):
        return getattr(self.storage, name)


class MinifiedManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def post_process(self, paths, dry_run=False, **options):
        paths = {
            name: (MinifiedStylesheets(storage), path) if name.endswith(".css") else (storage, path)
            for name, (storage, path) in paths.items()
        }
        yield from super().post_process(paths, dry_run=dry_run, **options)
