"""Upload limits for images, checked before Pillow decodes any pixels."""

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image


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
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "The image has too many pixels to process safely.", code="image_too_many_pixels"
        ) from None
    except Exception:
        raise ValidationError(
            "The file is not an image we can read (JPEG, PNG, GIF or WebP).", code="invalid_image"
        ) from None
    finally:
        file.seek(position)
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise ValidationError(
            "The image is %(width)s x %(height)s pixels; the limit is %(limit)s megapixels.",
            code="image_too_many_pixels",
            params={
                "width": width,
                "height": height,
                "limit": settings.IMAGE_MAX_PIXELS // 1_000_000,
            },
        )
