import django_filters
from django import forms

from blog.models import Author, Post, Section
from competencyworks.filters import TagFilterSet, year_choices


class PostFilter(TagFilterSet):
    """Blog list filters. Bad values give an empty list, never an error."""

    section = django_filters.ModelChoiceFilter(
        queryset=Section.objects.all(), to_field_name="slug", empty_label="All sections"
    )
    author = django_filters.ModelChoiceFilter(
        field_name="authors",
        label="Author",
        queryset=Author.objects.only("name", "slug"),
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
