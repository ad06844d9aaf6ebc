"""Characters stored text must not hold: XML 1.0 forbids them, so one would break every feed.

Word pastes vertical tabs (its line break) and old archives carry stray control bytes; saves
and imports replace them with spaces, and feeds pass every string through `xml_text` again
for rows written by other means.
"""

import functools
import re

from django.db import models

# C0 controls except tab, LF and CR; DEL; lone surrogates; the two non-characters.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def xml_text(text):
    """`text` with every character XML 1.0 cannot carry replaced by a space."""
    return NOT_XML.sub(" ", text) if text and NOT_XML.search(text) else text


def clean_fields(instance):
    """Apply xml_text to every text column of a model instance, in place."""
    for attname in text_columns(type(instance)):
        value = getattr(instance, attname)
        if isinstance(value, str):
            setattr(instance, attname, xml_text(value))


@functools.cache
def text_columns(model):
    """Attribute names of a model's text columns, found once: imports clean thousands of rows."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
    ]


def clean_before_save(sender, instance, **kwargs):
    clean_fields(instance)
