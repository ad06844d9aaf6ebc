import contextlib
import sys
import time
from argparse import BooleanOptionalAction
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from blog.importers.loader import Loader
from blog.importers.media import MediaImporter
from blog.importers.records import ArchiveError, PostRecord
from blog.importers.report import JsonReport
from blog.importers.sources import FORMATS, check_path, records_from
from blog.models import Section


class Command(BaseCommand):
    help = (
        "Import archived posts from saved text archive pages and WordPress (WXR) exports. "
        "All files are imported in one transaction: any error leaves the site as it was. "
        "Re-running the same files changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--format", choices=FORMATS, default="auto", dest="source_format")
        parser.add_argument(
            "--section", default="k-12", help="section slug for posts the source does not place"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report everything, write nothing"
        )
        parser.add_argument("--report", type=Path, help="write a JSON report to this file")
        parser.add_argument(
            "--media",
            action=BooleanOptionalAction,
            help="download featured and body images and store them on this site "
            "(default: when the old site answers); --no-media keeps the old addresses",
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="replace posts changed on this site since their import with the source's "
            "version (History keeps both); without it they are kept and reported",
        )

    def handle(
        self, *args, paths, source_format, section, dry_run, report, media, overwrite, **options
    ):
        default_section = Section.objects.filter(slug=section).first()
        if default_section is None:
            known = ", ".join(Section.objects.values_list("slug", flat=True))
            raise CommandError(f"No section {section!r}; choose one of: {known}.")
        verbosity = options["verbosity"]
        json_report = None
        try:
            for path in paths:
                check_path(path)
            json_report = JsonReport(report) if report else None
            # Files written by a run that fails or is a dry run are removed when it ends.
            if media is None:
                media = settings.IMPORT_MEDIA  # None: download when the old site answers
            with MediaImporter(
                media, allowed_networks=settings.LINK_CHECK_ALLOWED_NETWORKS
            ) as images:
                on_post = self.reporter(json_report, verbosity)
                loader = Loader(
                    default_section,
                    on_post=on_post,
                    media=images,
                    overwrite=overwrite,
                    committing=not dry_run,
                )
                started = time.perf_counter()
                self.run(loader, paths, source_format, dry_run, verbosity)
                if dry_run:
                    images.discard()
        except ArchiveError as error:
            if json_report:
                json_report.discard()
            raise CommandError(f"{error} — nothing was imported.") from None
        summary = loader.summary()
        summary["seconds"] = round(time.perf_counter() - started, 2)
        if json_report:
            json_report.finish(loader.skipped, summary)
        self.print_summary(summary, dry_run)
        self.print_images_elsewhere(summary, report)

    def reporter(self, json_report, verbosity):
        shown_file = None

        def on_post(entry):
            nonlocal shown_file
            if json_report:
                json_report.add(entry)
            if not verbosity:
                return
            # Warnings under a line naming their file: "  line 12: …"
            file_name, _, where = entry["source"].rpartition(", ")
            notes = [
                *entry["warnings"],
                *(
                    f"image still at {i['url']}: {i['reason']}"
                    for i in entry["images"]["elsewhere"]
                ),
            ]
            if notes and file_name != shown_file:
                self.stdout.write(f"{file_name}:")
                shown_file = file_name
            for note in notes:
                self.stdout.write(self.style.WARNING(f"  {where}: {note}"))

        return on_post if json_report or verbosity else None

    def run(self, loader, paths, source_format, dry_run, verbosity):
        show_progress = verbosity > 0 and sys.stderr.isatty()
        with (
            queries_unlogged(),
            transaction.atomic(),
            tqdm(unit=" posts", disable=not show_progress) as progress,
        ):
            for path in paths:
                progress.set_description(Path(path).name)
                items = records_from(
                    path, source_format=source_format, time_zone=settings.TIME_ZONE
                )
                for written in loader.load(self.posts_only(items, loader), Path(path).name):
                    progress.update(written)
            loader.finish()
            if dry_run:
                transaction.set_rollback(True)

    def posts_only(self, items, loader):
        for item in items:
            if isinstance(item, PostRecord):
                yield item
            else:
                loader.skip(item.source, item.title, item.reason)

    def print_summary(self, summary, dry_run):
        line = ", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in summary.items())
        read = sum(summary[name] for name in ("created", "updated", "unchanged", "conflicts"))
        if read and summary["seconds"]:
            line += f" ({read / summary['seconds']:.0f} posts/s)"
        prefix = "Dry run (nothing written). " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(f"{prefix}{line}"))

    def print_images_elsewhere(self, summary, report):
        posts = summary["posts_with_images_elsewhere"]
        if posts:
            where = "the report lists them" if report else "--report FILE.json lists them"
            self.stdout.write(
                self.style.WARNING(
                    f"{posts} post(s) still show images from other sites, which the site's "
                    f"pages do not load; {where}."
                )
            )


@contextlib.contextmanager
def queries_unlogged():
    """With DEBUG on (manage.py's default) Django keeps the text of every query, parameters
    quoted in (on SQLite by a query of its own), and an import's hold every post body: that
    took 1.7 s of 13 for 10,000 posts, and memory. Unless a caller counts queries, the run
    and what follows its commit log none."""
    if not settings.DEBUG or connection.force_debug_cursor:
        yield
        return
    connection.make_debug_cursor = connection.make_cursor  # the cursor an unlogged run gets
    try:
        yield
    finally:
        del connection.make_debug_cursor
