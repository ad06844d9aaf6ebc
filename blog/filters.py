import django_filters
from django import forms

from blog.models import Author, Post, Section
from competencyworks.filters import TagFilterSet, year_choices
from competencyworks.pagecache.fragments import per_version


class PostFilter(TagFilterSet):
    """Blog list filters. Bad values give an empty list, never an error."""

    section = django_filters.ModelChoiceFilter(
        queryset=lambda request: Section.objects.all(),
        to_field_name="slug",
        empty_label="All sections",
    )
    author = django_filters.ModelChoiceFilter(
        field_name="authors",
        label="Author",
        queryset=lambda request: Author.objects.only("name", "slug"),
        to_field_name="slug",
        empty_label="Any author",
    )
    # Series are many and browsed on their own pages; the list still narrows by ?series=slug.
    series = django_filters.CharFilter(field_name="series__slug", widget=forms.HiddenInput)
    year = django_filters.NumberFilter(
        field_name="publish_at",
        lookup_expr="year",
        label="Year",
        min_value=1990,
        max_value=2100,
        widget=forms.Select(choices=year_choices),
    )

    class Meta:
        model = Post
        fields = ["section", "author", "series", "year", "tag", "match"]

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            # Every list shows the same sections and authors: read them once per content
            # version. The fields still check a chosen value against the database.
            for name in ("section", "author"):
                field = form.fields[name]
                field.widget.choices = per_version(
                    f"post-filter-{name}", lambda f=field: [*f.choices]
                )
        return self._form
