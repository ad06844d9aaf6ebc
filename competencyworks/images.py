"""Uploaded images: what is accepted, how the original is stored, how renditions are made.

Every image field is a `CleanImageField`: its uploads are checked by content (format, size,
shape, a full decode) before anything is written, the stored original is re-encoded without
metadata (no EXIF, so no GPS) and turned upright, and `RenditionsOnSave` removes the original
and its renditions if making them fails.
"""

import io
import itertools
import logging
import warnings
from math import ceil
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.db.models.signals import post_init, post_save
from django.template.defaultfilters import filesizeformat
from imagekit.cachefiles.strategies import Optimistic
from imagekit.models.fields.utils import ImageSpecFileDescriptor
from imagekit.processors import ResizeToFill, ResizeToFit
from imagekit.specs import ImageSpec
from imagekit.specs.sourcegroups import signal_router
from imagekit.utils import get_nonabstract_descendants
from PIL import Image, ImageOps, ImageSequence

logger = logging.getLogger(__name__)

# What browsers show everywhere; Pillow opens many more (EPS, PSD, TIFF, ICO...). Maps what
# Pillow finds to the format stored; cameras write MPO, a JPEG photo followed by extra views.
STORED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WEBP"}
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
# Encoder options for the stored original; nothing here writes EXIF, XMP or comments.
SAVE_OPTIONS = {"JPEG": {"quality": 90}, "PNG": {}, "GIF": {}, "WEBP": {"quality": 90}}
# Frame data that carries no metadata and that the encoders need to keep the picture.
KEPT_INFO = {"icc_profile", "transparency"}


def validate_image_upload(file):
    if getattr(file, "_committed", False):
        return  # Already stored, so it was checked when it was uploaded.
    if file.size > settings.IMAGE_MAX_BYTES:
        raise ValidationError(
            "The image is %(size)s; the limit is %(limit)s.",
            code="image_too_large",
            params={
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.IMAGE_MAX_BYTES),
            },
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with open_checked(file) as image:
            check_format(image)
            check_shape(image)
            check_decodes(image)
    finally:
        file.seek(position)


def open_checked(file):
    """Open without decoding pixels, within Pillow's bomb limits."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "The image has too many pixels to process safely.", code="image_too_many_pixels"
        ) from None
    except Exception:
        raise ValidationError(
            "The file is not an image we can read (JPEG, PNG, GIF or WebP).", code="invalid_image"
        ) from None
    return image


def check_format(image):
    if image.format not in STORED_FORMATS:
        raise ValidationError(
            "The file is a %(format)s image; upload a JPEG, PNG, GIF or WebP.",
            code="image_format",
            params={"format": image.format},
        )


def check_shape(image):
    width, height = image.size
    frames = frame_count(image)
    if width * height * frames > settings.IMAGE_MAX_PIXELS:
        message = "The image is %(width)s x %(height)s pixels"
        if frames > 1:
            message += " in %(frames)s frames"
        raise ValidationError(
            message + "; the limit is %(limit)s megapixels.",
            code="image_too_many_pixels",
            params={
                "width": width,
                "height": height,
                "frames": frames,
                "limit": settings.IMAGE_MAX_PIXELS // 1_000_000,
            },
        )
    # Renditions crop to 16:9 and 1.91:1; a thin strip gives nothing to show there.
    if max(width, height) > settings.IMAGE_MAX_ASPECT_RATIO * min(width, height):
        raise ValidationError(
            "The image is %(width)s x %(height)s pixels; one side may be at most "
            "%(ratio)s times the other.",
            code="image_aspect_ratio",
            params={"width": width, "height": height, "ratio": settings.IMAGE_MAX_ASPECT_RATIO},
        )


def check_decodes(image):
    """Decode every frame, so a damaged file fails here rather than while being stored."""
    try:
        for frame in kept_frames(image):
            frame.load()
    except Exception:
        raise ValidationError(
            "The image file is damaged or incomplete; export it again and upload that.",
            code="image_damaged",
        ) from None


def frame_count(image):
    """How many frames are kept: all of an animation, only the photo of a camera's MPO."""
    if STORED_FORMATS[image.format] == "JPEG":
        return 1
    return getattr(image, "n_frames", 1)


def kept_frames(image):
    return itertools.islice(ImageSequence.Iterator(image), frame_count(image))


def cleaned(name, content):
    """The image re-encoded upright in its own format, without EXIF or other metadata."""
    content.seek(0)
    with Image.open(content) as image:
        if image.format not in STORED_FORMATS:
            raise ValueError(f"{name} is a {image.format} image, not an accepted format")
        image_format = STORED_FORMATS[image.format]
        loop = image.info.get("loop")
        frames = [ImageOps.exif_transpose(frame) for frame in kept_frames(image)]
    options = dict(SAVE_OPTIONS[image_format])
    if len(frames) > 1:
        options.update(save_all=True, append_images=frames[1:])
        options["duration"] = [frame.info.get("duration", 0) for frame in frames]
        if loop is not None:
            options["loop"] = loop
    for frame in frames:
        frame.info = {key: value for key, value in frame.info.items() if key in KEPT_INFO}
    output = io.BytesIO()
    frames[0].save(output, format=image_format, **options)
    path = PurePath(name)
    if Image.registered_extensions().get(path.suffix.lower()) != image_format:
        name = str(path.with_suffix(SUFFIXES[image_format]))
    # Named, so the image field reads the stored picture's size from it (it may have turned).
    return name, ContentFile(output.getvalue(), name=PurePath(name).name)


class CleanImageFieldFile(ImageFieldFile):
    def save(self, name, content, save=True):
        super().save(*cleaned(name, content), save=save)


class CleanImageField(models.ImageField):
    """An image field whose uploads are checked by content and stored without metadata."""

    attr_class = CleanImageFieldFile
    default_validators = [validate_image_upload]


# Renditions never enlarge, so one costs no more than decoding its original.
def fill(width, height):
    """Processors for a rendition cropped to exactly this size, or smaller."""
    return [DecodeSmaller(width, height, crop=True), ResizeToFill(width, height, upscale=False)]


def fit(width, height):
    """Processors for a rendition that fits inside this box, or is smaller."""
    return [DecodeSmaller(width, height, crop=False), ResizeToFit(width, height, upscale=False)]


def focal_fill(width, height, **attributes):
    """An ImageSpec like `fill`, cropping around the focal point its image's owner names.

    The owner (the model instance of the source field) gives `focal_point`, (x, y) in
    percent of the width and height; the point is part of the rendition's name, so moving
    it makes a new rendition rather than serving the old crop.
    """
    return type("FocalFillSpec", (FocalFillSpec,), {"size": (width, height), **attributes})


CENTER = (50, 50)


class FocalFillSpec(ImageSpec):
    size = (0, 0)

    @property
    def processors(self):
        focal_point = tuple(getattr(self.source.instance, "focal_point", CENTER))
        if focal_point == CENTER:  # `fill`'s own processors: the renditions it already made
            return fill(*self.size)
        return [DecodeSmaller(*self.size, crop=True), FocalFill(*self.size, focal_point)]


class FocalFill:
    """Crop to the rendition's shape as near centred on the focal point as the edges allow,
    then shrink to its size (never enlarge)."""

    def __init__(self, width, height, focal_point=CENTER):
        self.width, self.height = width, height
        self.focal_point = tuple(focal_point)

    def process(self, image):
        ratio = self.width / self.height
        width, height = image.size
        crop_width = min(width, round(height * ratio))
        crop_height = min(height, round(width / ratio))
        x, y = (share / 100 for share in self.focal_point)
        left = min(max(round(x * width - crop_width / 2), 0), width - crop_width)
        top = min(max(round(y * height - crop_height / 2), 0), height - crop_height)
        image = image.crop((left, top, left + crop_width, top + crop_height))
        if crop_width > self.width:
            image = image.resize((self.width, self.height), Image.Resampling.LANCZOS)
        return image


class DecodeSmaller:
    """Let a JPEG decode at 1/2, 1/4 or 1/8 scale when that still covers the rendition."""

    def __init__(self, width, height, crop):
        self.width, self.height, self.crop = width, height, crop

    def process(self, image):
        width, height = self.width, self.height
        if not self.crop:
            # Only the fitted size is needed, not the whole box.
            scale = min(width / image.width, height / image.height)
            width, height = ceil(image.width * scale), ceil(image.height * scale)
        image.draft(None, (width, height))
        return image


def watch_rendition_sources_only():
    """imagekit listens to every model's post_init and post_save and then looks whether the
    model has renditions: a few microseconds for each of the thousands of rows an import or
    a list makes. Listen to the models with renditions (and their subclasses) only."""
    uid = "ik_spec_field_receivers"
    sources = {
        model
        for group in signal_router._source_groups
        for model in get_nonabstract_descendants(group.model_class)
    }
    for signal, receiver in [
        (post_init, signal_router.post_init_receiver),
        (post_save, signal_router.post_save_receiver),
    ]:
        signal.disconnect(dispatch_uid=uid)
        for model in sources:
            signal.connect(receiver, sender=model, dispatch_uid=f"{uid}:{model._meta.label}")


class RenditionsOnSave(Optimistic):
    """Make renditions when the image is saved; if that fails, leave no files behind."""

    def on_source_saved(self, file):
        try:
            super().on_source_saved(file)
        except Exception:
            delete_with_renditions(file.generator.source)
            raise


class RenditionsOnSaveOrUse(RenditionsOnSave):
    """Also make a missing rendition when it is asked for: items stored before a rendition
    existed (imports, older uploads), and crops a new focal point names."""

    def on_existence_required(self, file):
        try:
            file.generate()
        except Exception:  # e.g. the original was removed from storage: show a gap, not a 500
            logger.warning("Could not make rendition %s", file.name, exc_info=True)


def renditions(source):
    """The rendition files (ImageSpecFields) made from an image field's file."""
    for owner in type(source.instance).__mro__:
        for descriptor in vars(owner).values():
            if (
                isinstance(descriptor, ImageSpecFileDescriptor)
                and descriptor.source_field_name == source.field.attname
            ):
                yield getattr(source.instance, descriptor.attname)


def delete_with_renditions(source):
    for rendition in renditions(source):
        rendition.storage.delete(rendition.name)
    source.storage.delete(source.name)
