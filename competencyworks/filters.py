from collections import Counter
from datetime import date

import django_filters
from django import forms
from django.utils.html import format_html, format_html_join

from competencyworks.converters import tag_slug
from competencyworks.widgets import QuickSelect

TAG_MATCH = [("all", "all of these tags"), ("any", "any of these tags")]
MAX_TAGS = 5
NARROWING_TAGS = 12


class TagListWidget(forms.Widget):
    """The chosen tags as ticked boxes (untick one to drop it) and a box to add another."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name) or ""]
        return [value for value in values[:MAX_TAGS] if value.strip()]

    def render(self, name, value, attrs=None, renderer=None):
        chosen = format_html_join(
            "",
            '<label class="chosen-tag"><input type="checkbox" name="{}" value="{}" checked> {}'
            "</label> ",
            ((name, tag, tag) for tag in value or []),
        )
        box = format_html(
            '<input type="text" name="{}" id="{}" maxlength="100" autocomplete="off">',
            name,
            (attrs or {}).get("id", f"id_{name}"),
        )
        return chosen + box


class TagListField(forms.Field):
    """Tags by slug or by name ("Family engagement" finds family-engagement, "Educación"
    finds educación): the slug a tag of that name gets."""

    widget = TagListWidget

    def to_python(self, value):
        return [tag_slug(tag) for tag in value or []]

    def has_changed(self, initial, data):
        return bool(self.to_python(data))


class TagListFilter(django_filters.Filter):
    field_class = TagListField


class TagFilterSet(django_filters.FilterSet):
    """?tag=a&tag=b narrows to items carrying every tag, or any of them with ?match=any.

    Filters name their choices with a callable (`queryset=lambda request: ...`): django-filter
    copies every filter for each request, and copying a queryset costs more than the rest.
    """

    tag = TagListFilter(method="filter_tags", label="Add a tag")
    match = django_filters.ChoiceFilter(
        choices=TAG_MATCH, method="read_by_filter_tags", empty_label=None, label="Match"
    )

    def get_form_class(self):
        # A filter set's fields are its class's: build its form class once, not per request
        # (each form still gets its own copies of the fields), with selects written quickly.
        if "_form_class" not in type(self).__dict__:
            form_class = super().get_form_class()
            for field in form_class.base_fields.values():
                if type(field.widget) is forms.Select:
                    field.widget = QuickSelect.like(field.widget)
            type(self)._form_class = form_class
        return type(self)._form_class

    def filter_tags(self, queryset, name, slugs):
        if self.data.get("match") == "any":
            return queryset.filter(tags__slug__in=slugs).distinct()
        for slug in slugs:
            queryset = queryset.filter(tags__slug=slug)
        return queryset

    def read_by_filter_tags(self, queryset, name, value):
        return queryset


def year_choices(first=2000):
    """Years for a filter's select, newest first (callable: the list grows each January)."""
    return [("", "Any year")] + [(str(y), str(y)) for y in range(date.today().year, first - 1, -1)]


def narrowing_tags(request, items, chosen):
    """Links that add one more tag to the current filters, from the tags of `items`.

    Counted over the items already on the page (their tags are prefetched), so offering
    them costs no query; the most common come first.
    """
    counts = Counter(tag for item in items for tag in item.tags.all() if tag.slug not in chosen)
    links = []
    for tag, count in counts.most_common(NARROWING_TAGS):
        query = request.GET.copy()
        query.setlist("tag", [*chosen, tag.slug])
        query.pop("page", None)
        links.append({"name": tag.name, "count": count, "url": f"?{query.urlencode()}"})
    return links
