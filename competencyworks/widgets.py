from django.forms import ClearableFileInput
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
