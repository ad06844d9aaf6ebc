"""E-mail alerts: readers follow a search, a tag or a state and get a daily or weekly digest.

No account is needed, so an address is only trusted once its owner has clicked the link we
mail to it (double opt-in). Addresses are never shown, not even to editors: the admin shows
how many readers follow what.
"""

import secrets
from datetime import timedelta

from django.db import IntegrityError, models, transaction
from django.utils import timezone

# Confirmation mails: one per address and target an hour, and a few per address an hour.
RESEND_AFTER = timedelta(hours=1)
MAX_CONFIRMATIONS_PER_HOUR = 5


def new_token():
    return secrets.token_urlsafe(32)


class Target(models.TextChoices):
    SEARCH = "search", "Search"
    TAG = "tag", "Tag"
    STATE = "state", "State"


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class SubscriptionQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def pending(self):
        return self.filter(confirmed_at__isnull=True)

    def sign_up(self, email, target, value, frequency):
        """The subscription to send a confirmation mail for now, or None when the address
        had one too recently (the reader is told the same either way)."""
        now = timezone.now()
        recent = self.filter(email=email, confirmation_sent_at__gt=now - RESEND_AFTER)
        with transaction.atomic():
            if recent.count() >= MAX_CONFIRMATIONS_PER_HOUR:
                return None
            try:
                with transaction.atomic():
                    subscription, _ = self.get_or_create(
                        email=email, target=target, value=value, defaults={"frequency": frequency}
                    )
            except IntegrityError:  # the same sign-up, at the same moment
                return None
            # Claimed in one statement, so two sign-ups at once send one mail.
            claimed = (
                self.filter(pk=subscription.pk)
                .exclude(confirmation_sent_at__gt=now - RESEND_AFTER)
                .update(confirmation_sent_at=now)
            )
        return subscription if claimed else None


class Subscription(models.Model):
    """One address following one search (its words), tag (slug) or state (code)."""

    email = models.EmailField()
    target = models.CharField(max_length=10, choices=Target.choices)
    value = models.CharField(max_length=255)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    # Random and secret: the signed confirmation and unsubscribe links name it.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    confirmation_sent_at = models.DateTimeField(null=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, editable=False)
    # The digest covers items published after this moment.
    last_sent = models.DateTimeField(null=True, editable=False)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["email", "target", "value"], name="alerts_subscription_unique"
            )
        ]
        indexes = [
            models.Index(fields=["frequency", "confirmed_at"], name="alerts_subscription_due_idx")
        ]

    def __str__(self):
        # Never the address: this is what the admin's delete pages list.
        return f"{self.get_target_display()} “{self.value}” ({self.get_frequency_display()})"

    def confirm(self, frequency):
        """The owner clicked the link: digests start with what is published from now on."""
        now = timezone.now()
        self.frequency = frequency
        self.confirmed_at = self.confirmed_at or now
        self.last_sent = self.last_sent or now
        self.save(update_fields=["frequency", "confirmed_at", "last_sent"])

    def confirmation_not_sent(self):
        Subscription.objects.filter(pk=self.pk).update(confirmation_sent_at=None)
