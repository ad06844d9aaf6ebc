from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from imagekit.models import ImageSpecField

from competencyworks.images import CleanImageField, RenditionsOnSaveOrUse, fit, focal_fill

FOCAL_HELP = "Percent from the left (x) or top (y); crops keep this point in view."
# Renditions the admin and the body editor use; they are made on upload, or when first asked
# for (images stored before they existed, a moved focal point).
RENDITION = {"cachefile_strategy": RenditionsOnSaveOrUse, "format": "JPEG"}


class ImageQuerySet(models.QuerySet):
    def search(self, terms):
        """Images whose title, alt text or caption holds every word of `terms`."""
        images = self
        for word in terms.split()[:10]:
            images = images.filter(
                models.Q(title__icontains=word)
                | models.Q(alt_text__icontains=word)
                | models.Q(caption__icontains=word)
            )
        return images


class Image(models.Model):
    """An image kept once and reused: in post bodies, as featured images, wherever editors
    need one. Uploads, the body editor's figure button and archive imports all add here."""

    file = CleanImageField(
        upload_to="library/%Y/%m/", width_field="width", height_field="height", max_length=255
    )
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    title = models.CharField(max_length=200, blank=True, help_text="For finding it again.")
    alt_text = models.CharField(
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it.",
    )
    decorative = models.BooleanField(
        default=False,
        help_text="Adds nothing a reader needs (an ornament): screen readers skip it.",
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=300, blank=True)
    focal_x = models.PositiveSmallIntegerField(
        "focal point x", default=50, validators=[MaxValueValidator(100)], help_text=FOCAL_HELP
    )
    focal_y = models.PositiveSmallIntegerField(
        "focal point y", default=50, validators=[MaxValueValidator(100)], help_text=FOCAL_HELP
    )
    source_url = models.URLField(
        "address at the old site",
        max_length=2000,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="Where an import downloaded it from, so each address is stored once.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    thumbnail = ImageSpecField(
        source="file", spec=focal_fill(320, 240, options={"quality": 80}, **RENDITION)
    )
    large = ImageSpecField(
        source="file", processors=fit(1280, 1280), options={"quality": 85}, **RENDITION
    )

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["-uploaded_at"], name="medialibrary_image_new_idx")]

    def __str__(self):
        return self.title or PurePosixPath(self.file.name).name

    def save(self, *args, **kwargs):
        if not self.title and self.file:
            self.title = title_from_name(self.file.name)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self._state.adding and not self.decorative and not self.alt_text.strip():
            raise ValidationError(
                {
                    "alt_text": "Describe what the image shows, or tick “decorative” if it "
                    "adds nothing a reader needs."
                },
                code="alt_text_required",
            )

    @property
    def focal_point(self):
        return (self.focal_x, self.focal_y)

    @property
    def alt(self):
        """The alt attribute to write: empty for a decorative image."""
        return "" if self.decorative else self.alt_text


def title_from_name(name):
    """'2024/students_at-work.jpg' → 'Students at work': a start editors can improve."""
    stem = PurePosixPath(name).stem.replace("_", " ").replace("-", " ")
    return " ".join(stem.split()).capitalize()[:200]
