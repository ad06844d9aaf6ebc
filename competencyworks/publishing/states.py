"""Publishing states shared by every public model.

An item is public when its status is "published" and its `publish_at` has
passed; a future `publish_at` schedules it. A private item is finished but meant
for staff only (WordPress's "private"). `published()` is the only way the public
site reaches content, so drafts, scheduled and private items never leak.
"""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

SLUG_TRIES = 9  # slugs of one title looked up exactly ("title", "title-2" … "title-9")


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    PRIVATE = "private", "Private (staff only)"


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED, publish_at__lte=timezone.now())

    def scheduled(self):
        return self.filter(status=Status.PUBLISHED, publish_at__gt=timezone.now())

    def drafts(self):
        return self.filter(status=Status.DRAFT)


class Stamped(models.Model):
    """Who created and last changed a record, and when; the admin fills the users."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class Publishable(Stamped):
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        "publish at",
        null=True,
        blank=True,
        help_text="Empty publishes now; a future time schedules the item.",
    )

    objects = PublishedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.status == Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        previous = type(self)._base_manager.filter(pk=self.pk).first() if self.pk else None
        super().save(*args, **kwargs)
        if previous is not None:
            apps.get_model("competencyworks", "MovedPage").record(
                previous.get_absolute_url(),
                self.get_absolute_url(),
                self,
                old_path_was_public=previous.is_public,
            )

    @property
    def visibility(self):
        """draft, private, scheduled or published: what a reader can see right now."""
        if self.status == Status.PRIVATE:
            return "private"
        if self.status != Status.PUBLISHED:
            return "draft"
        if self.publish_at and self.publish_at > timezone.now():
            return "scheduled"
        return "published"

    @property
    def is_public(self):
        return self.visibility == "published"


def unique_slug(instance, text, field="slug"):
    """A slug for `text` not yet used by another row of the model ("title-2", …)."""
    model = type(instance)
    max_length = model._meta.get_field(field).max_length
    base = (slugify(text) or "item")[: max_length - 6].strip("-")
    others = model._base_manager.exclude(pk=instance.pk).order_by()
    # The first few candidates are looked up exactly, along the slug's index: reading every
    # slug that starts like the title (a scan on SQLite, whose LIKE ignores case) is left to
    # titles used more often than that.
    candidates = [base, *(f"{base}-{number}" for number in range(2, SLUG_TRIES + 1))]
    taken = set(others.filter(**{f"{field}__in": candidates}).values_list(field, flat=True))
    if len(taken) == len(candidates):
        taken = set(others.filter(**{f"{field}__startswith": base}).values_list(field, flat=True))
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate
