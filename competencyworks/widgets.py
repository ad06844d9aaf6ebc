from django.forms import ClearableFileInput, Select
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from taggit.forms import TagWidget


class TagSuggestWidget(TagWidget):
    """The comma-separated tag box, with existing tags suggested as the editor types."""

    template_name = "competencyworks/widgets/tag_suggest.html"

    class Media:
        js = ["js/tag-suggest.js"]

    def __init__(self, suggest_url, attrs=None):
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})})
        self.suggest_url = suggest_url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["list"] = f"{widget_attrs.get('id', name)}-suggestions"
        widget_attrs["data-tag-suggest"] = self.suggest_url
        return context


class ImagePreviewInput(ClearableFileInput):
    """The image upload box, showing the chosen file at once (before the form is saved)
    in the element whose id `preview` names."""

    class Media:
        js = ["js/image-preview.js"]
        css = {"all": ["css/media-library.css"]}

    def __init__(self, preview, attrs=None):
        super().__init__(attrs={"accept": "image/*", "data-preview": preview, **(attrs or {})})


class QuickSelect(Select):
    """Django's select, written out in Python instead of through a template per option: a
    list's filters offer every author, topic and year, and the option templates cost about
    as much as the rest of the page. The same markup as Django's, less its blank lines."""

    @classmethod
    def like(cls, widget):
        quick = cls(attrs=widget.attrs, choices=widget.choices)
        quick.is_required = widget.is_required
        return quick

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], attributes(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '\n  <option value="{}"{}>{}</option>',
                    str(option["value"]),
                    attributes(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


def attributes(attrs):
    """HTML attributes in their given order, as Django's attrs.html writes them."""
    written = (
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    )
    return mark_safe("".join(written))
