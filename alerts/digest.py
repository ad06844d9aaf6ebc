"""Sending the digests: one message per confirmed subscription with something new."""

import logging
from dataclasses import dataclass

from django.utils import timezone

from alerts import emails, targets
from alerts.models import Subscription

logger = logging.getLogger(__name__)

MAX_ITEMS = 50  # a digest lists at most this many; the rest are a click away


@dataclass
class Outcome:
    sent: int = 0
    nothing_new: int = 0
    failed: int = 0


def send_digests(frequency, origin, *, dry_run=False, report=None):
    """Each item is sent once: the window runs from the subscription's last digest to the
    moment the run started, and `last_sent` moves only once its message has gone."""
    until = timezone.now()
    outcome = Outcome()
    for subscription in Subscription.objects.confirmed().filter(frequency=frequency).order_by("pk"):
        items = targets.new_items(
            subscription.target, subscription.value, subscription.last_sent, until
        )
        if not items:
            outcome.nothing_new += 1
            continue
        if report:
            report(subscription, len(items))
        if dry_run:
            outcome.sent += 1
            continue
        try:
            emails.send_digest(subscription, items[:MAX_ITEMS], origin)
        except Exception:
            # One refused message must not stop the others; it is retried on the next run.
            logger.exception("Digest for subscription %s not sent", subscription.pk)
            outcome.failed += 1
            continue
        Subscription.objects.filter(pk=subscription.pk).update(last_sent=until)
        outcome.sent += 1
    return outcome
