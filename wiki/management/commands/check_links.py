import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from competencyworks.jobs import single_instance
from competencyworks.publishing import changes
from wiki.links import ERROR_LENGTH, check_urls
from wiki.models import LinkStatus, Resource


class Command(BaseCommand):
    help = (
        "Check the web addresses of published resources and record whether they work. "
        "By default only links never checked or last checked more than --stale-days ago; "
        "--all checks every published resource. Broken links do not make the command fail. "
        "Only public addresses are fetched (see LINK_CHECK_ALLOWED_NETWORKS); others are "
        "recorded as refused. "
        "Verbosity 2 lists each broken link; 3 also logs every request."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-days",
            type=int,
            default=7,
            help="recheck links last checked more than this many days ago (default 7)",
        )
        parser.add_argument(
            "--workers", type=int, default=8, help="addresses checked at once (default 8)"
        )
        parser.add_argument(
            "--timeout", type=float, default=10.0, help="seconds to wait for a server (default 10)"
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="check_all",
            help="check every published resource, however recently checked",
        )

    @single_instance("check_links")
    def handle(self, *args, stale_days, workers, timeout, check_all, verbosity, **options):
        if stale_days < 0:
            raise CommandError("--stale-days must be zero or more.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if timeout <= 0:
            raise CommandError("--timeout must be more than zero.")

        resources = Resource.objects.published()
        if not check_all:
            cutoff = timezone.now() - timedelta(days=stale_days)
            resources = resources.filter(
                Q(link_checked_at__isnull=True) | Q(link_checked_at__lt=cutoff)
            )
        rows = list(resources.order_by("title", "pk").values_list("pk", "title", "url"))
        if not rows:
            if verbosity >= 1:
                self.stdout.write("No links to check.")
            return

        if verbosity >= 1:
            self.stdout.write(f"Checking {len(rows)} link(s)…")
        with quiet_requests(unless=verbosity >= 3):
            results = check_urls(
                [url for _, _, url in rows],
                workers=workers,
                timeout=timeout,
                allowed_networks=settings.LINK_CHECK_ALLOWED_NETWORKS,
            )
        checked_at = timezone.now()
        self.record(rows, results, checked_at)

        broken = [(title, url, results[url]) for _, title, url in rows if not results[url].ok]
        if verbosity >= 2:
            for title, url, result in broken:
                self.stdout.write(self.style.ERROR(f"  broken: {title} <{url}>: {result.error}"))
        if verbosity >= 1:
            working = len(rows) - len(broken)
            summary = f"Checked {len(rows)}: {working} working, {len(broken)} broken."
            style = self.style.WARNING if broken else self.style.SUCCESS
            self.stdout.write(style(summary))

    def record(self, rows, results, checked_at):
        """One UPDATE per distinct address: no save(), so no revisions, stamps or new slugs."""
        pks_by_url = defaultdict(list)
        for pk, _, url in rows:
            pks_by_url[url].append(pk)
        with transaction.atomic():
            for url, pks in pks_by_url.items():
                result = results[url]
                fields = {
                    "link_status": LinkStatus.OK if result.ok else LinkStatus.BROKEN,
                    "link_status_code": result.status_code,
                    "link_error": result.error[:ERROR_LENGTH],
                    "link_checked_at": checked_at,
                }
                if result.ok:
                    fields["link_worked_at"] = checked_at
                Resource.objects.filter(pk__in=pks).update(**fields)
            # Pages show link health; update() sends no signals, so say what changed.
            changes.changed(Resource, [pk for pk, _, _ in rows])


@contextmanager
def quiet_requests(unless=False):
    """Silence httpx's one-INFO-line-per-request logging for the duration (not at -v 3)."""
    logger = logging.getLogger("httpx")
    level = logger.level
    if not unless:
        logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)
