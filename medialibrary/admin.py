import re

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from competencyworks.widgets import ImagePreviewInput
from medialibrary.models import Image

PICKER_PAGE_SIZE = 24
EDITOR_CALLBACK = re.compile(r"-?\d{1,9}")  # the body editor's CKEditorFuncNum


class ImageForm(forms.ModelForm):
    """The library's upload and edit form; the body editor's uploads pass through it too."""

    class Meta:
        model = Image
        fields = ["file", "title", "alt_text", "decorative", "caption", "credit"]
        widgets = {"file": ImagePreviewInput(preview="image-preview")}


class ImageAdminForm(ImageForm):
    class Meta(ImageForm.Meta):
        fields = [*ImageForm.Meta.fields, "focal_x", "focal_y"]
        widgets = {
            **ImageForm.Meta.widgets,
            "focal_x": forms.NumberInput(attrs={"min": 0, "max": 100, "data-focal": "x"}),
            "focal_y": forms.NumberInput(attrs={"min": 0, "max": 100, "data-focal": "y"}),
        }


def picker_data(image):
    """What the body editor's picker and the featured-image chooser need of an image."""
    return {
        "id": image.pk,
        "title": str(image),
        "alt": image.alt,
        "decorative": image.decorative,
        "caption": image.caption,
        "credit": image.credit,
        "width": image.width,
        "height": image.height,
        "thumbnail": image.thumbnail.url,
        "url": image.large.url,
    }


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    change_list_template = "admin/medialibrary/image/change_list.html"
    list_display = ["title", "alt_text", "uploaded_at"]
    list_filter = ["decorative"]
    search_fields = ["title", "alt_text", "caption"]
    list_per_page = 48
    date_hierarchy = "uploaded_at"
    readonly_fields = ["focal_point_picker", "details"]
    fieldsets = [
        (None, {"fields": ["file", "focal_point_picker", "title"]}),
        ("For readers", {"fields": ["alt_text", "decorative", "caption", "credit"]}),
        (
            "Focal point",
            {
                "fields": ["focal_x", "focal_y"],
                "description": "Click the picture above on what matters most, or type the "
                "percentages: cropped versions (cards, social media) keep that point in view.",
            },
        ),
        ("Record", {"classes": ["collapse"], "fields": ["details"]}),
    ]

    class Media:
        js = ["js/image-preview.js"]
        css = {"all": ["css/media-library.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description="picture")
    def focal_point_picker(self, obj):
        src = obj.large.url if obj and obj.pk else ""
        return format_html(
            '<div class="focal-picker" data-focal-picker>'
            '<img id="image-preview" src="{}" alt="" {}>'
            '<span class="focal-marker" aria-hidden="true"></span></div>',
            src,
            "" if src else "hidden",
        )

    @admin.display(description="file")
    def details(self, obj):
        if not obj.pk:
            return "—"
        by = f" by {obj.uploaded_by}" if obj.uploaded_by else ""
        source = f"; downloaded from {obj.source_url}" if obj.source_url else ""
        return f"{obj.width} × {obj.height} pixels, uploaded {obj.uploaded_at:%Y-%m-%d}{by}{source}"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        routes = [
            ("choose/", self.choose_view, "choose"),
            ("choose/results/", self.choose_results_view, "choose_results"),
            ("upload/", self.upload_view, "upload"),
        ]
        return [
            *(
                path(route, self.admin_site.admin_view(view), name=f"medialibrary_image_{name}")
                for route, view, name in routes
            ),
            *super().get_urls(),
        ]

    def choose_view(self, request):
        """The body editor's picker window: search the library, or upload a new image."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        callback = request.GET.get("CKEditorFuncNum", "")
        context = {
            **self.admin_site.each_context(request),
            "title": "Choose an image",
            "is_popup": True,
            "opts": self.model._meta,
            "callback": callback if EDITOR_CALLBACK.fullmatch(callback) else "",
            "form": ImageForm() if self.has_add_permission(request) else None,
            "results_url": reverse("admin:medialibrary_image_choose_results"),
            "upload_url": reverse("admin:medialibrary_image_upload"),
            "media": self.media + ImageForm().media,
        }
        return TemplateResponse(request, "admin/medialibrary/image/choose.html", context)

    def choose_results_view(self, request):
        """One page of library images (newest first) matching `q`, or the image `id`."""
        if not self.has_view_or_change_permission(request):
            return refused("You may not see the media library.")
        images = Image.objects.all()
        if (wanted := request.GET.get("id", "")).isdigit():
            images = images.filter(pk=int(wanted))
        elif terms := request.GET.get("q", "").strip()[:200]:
            images = images.search(terms)
        paginator = Paginator(images.order_by("-uploaded_at", "-pk"), PICKER_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        return JsonResponse(
            {
                "results": [picker_data(image) for image in page],
                "page": page.number,
                "pages": paginator.num_pages,
                "count": paginator.count,
            }
        )

    def upload_view(self, request):
        """Add an image from the body editor: the library's own form and checks, as JSON."""
        if request.method != "POST":
            return JsonResponse({"error": "Send the image with POST."}, status=405)
        if not self.has_add_permission(request):
            return refused("You may not add images to the media library.")
        form = ImageForm(request.POST, request.FILES)
        if not form.is_valid():
            errors = {field: list(messages) for field, messages in form.errors.items()}
            return JsonResponse({"errors": errors}, status=400)
        image = form.save(commit=False)
        image.uploaded_by = request.user
        image.save()
        self.log_addition(request, image, [{"added": {}}])
        return JsonResponse({"image": picker_data(image)}, status=201)


def refused(message):
    return JsonResponse({"error": message}, status=403)
