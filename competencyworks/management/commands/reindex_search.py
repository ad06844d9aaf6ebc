from django.core.management.base import BaseCommand

from competencyworks import search


class Command(BaseCommand):
    help = (
        "Rebuild the site search index for posts, resources, guides and policy entries "
        "(saves and imports keep it current; use this after restoring a database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=list(search.KINDS), action="append")

    def handle(self, *args, kind, **options):
        for name in kind or search.KINDS:
            ids = list(search.KINDS[name].model._base_manager.values_list("pk", flat=True))
            search.reindex(name, ids)
            self.stdout.write(f"{name}: {len(ids)} indexed")
        self.stdout.write(self.style.SUCCESS("Search index rebuilt."))
