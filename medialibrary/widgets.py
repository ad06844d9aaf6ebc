from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.urls import reverse


class LibraryImageWidget(ForeignKeyRawIdWidget):
    """A featured image chosen from the library: the id box, the library's lookup window,
    and the chosen image shown in the element whose id `preview` names."""

    class Media:
        js = ["js/image-preview.js"]

    def __init__(self, rel, admin_site, preview, attrs=None):
        super().__init__(rel, admin_site, attrs={"data-preview": preview, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-image-lookup"] = reverse(
            f"{self.admin_site.name}:medialibrary_image_choose_results"
        )
        return context
