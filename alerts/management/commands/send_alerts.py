from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from alerts.digest import send_digests
from alerts.models import Frequency
from competencyworks.jobs import job_lock


class Command(BaseCommand):
    help = (
        "E-mail each confirmed subscriber of the given frequency what was published since "
        "their last digest (run from cron: daily ones each day, weekly ones each week)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--frequency", required=True, choices=Frequency.values)
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be sent; send nothing."
        )

    def handle(self, *args, frequency, dry_run, verbosity, **options):
        def report(subscription, count):
            if verbosity > 1:
                # Subscribers are named by number: addresses stay out of logs.
                self.stdout.write(f"Subscription {subscription.pk} ({subscription}): {count} new")

        # Cron may start it on every app server: one run sends, the others do nothing.
        job = f"send_alerts_{frequency}"
        with job_lock(job) as acquired:
            if not acquired:
                self.stdout.write(f"{job} is already running elsewhere; nothing done.")
                return
            outcome = send_digests(frequency, settings.SITE_URL, dry_run=dry_run, report=report)
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {outcome.sent} {frequency} digest(s); "
                f"{outcome.nothing_new} with nothing new; {outcome.failed} failed."
            )
        )
        if outcome.failed:
            raise CommandError(f"{outcome.failed} digest(s) could not be sent; see the log.")
