from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


class Heading(models.TextChoices):
    """The sections of a monthly roundup, in the order the post lists them."""

    NEWS = "news", "News"
    STATES = "states", "Movement in the States"
    RESOURCES = "resources", "Helpful Resources"


class CollectedLinkQuerySet(models.QuerySet):
    def unused(self):
        return self.filter(used_in__isnull=True)

    def collected_in(self, month):
        """Links collected in `month` (a date in it), in the site's time zone."""
        start = timezone.make_aware(datetime(month.year, month.month, 1))
        following = month.month % 12 + 1
        end = timezone.make_aware(datetime(month.year + (month.month == 12), following, 1))
        return self.filter(collected_at__gte=start, collected_at__lt=end)

    def in_roundup_order(self):
        """By heading as the roundup lists them, then in the order they were collected."""
        position = models.Case(
            *[models.When(heading=value, then=index) for index, value in enumerate(Heading.values)],
            default=len(Heading.values),
        )
        return self.order_by(position, "collected_at", "pk")


class CollectedLink(models.Model):
    """A link an editor noticed during the month, waiting for the monthly "What's New" post.

    Editors collect links as they read; at the month's end the roundup is composed from the
    links not used yet, grouped by heading, and each link remembers the post it went into.
    """

    url = models.URLField("address", max_length=1000)
    title = models.CharField(max_length=300)
    note = models.CharField(
        max_length=500, blank=True, help_text="One line: why it is worth a reader's time."
    )
    heading = models.CharField(max_length=20, choices=Heading.choices, default=Heading.NEWS)
    state = models.ForeignKey(
        "policy.State", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    topic = models.ForeignKey(
        "wiki.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    save_as_resource = models.BooleanField(
        "save as library resource",
        default=False,
        help_text="When the roundup is composed, add a draft resource to the library for it.",
    )
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    collected_at = models.DateTimeField(default=timezone.now, editable=False)
    used_in = models.ForeignKey(
        "blog.Post",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="collected_links",
        help_text="The roundup this link went into; deleting that post frees the link again.",
    )

    objects = CollectedLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-collected_at", "-pk"]
        indexes = [
            models.Index(fields=["collected_at"], name="roundups_link_collected_idx"),
        ]

    def __str__(self):
        return self.title
