from functools import partial

import django_filters
from django import forms
from django.db.models import Count

from competencyworks.filters import TagFilterSet, year_choices
from wiki.models import Kind, Resource, Topic, descendant_ids


class ResourceFilter(TagFilterSet):
    """Library filters. Bad values give an empty list, never an error."""

    q = django_filters.CharFilter(method="filter_text", label="Title or publisher")
    kind = django_filters.ChoiceFilter(choices=Kind.choices, empty_label="Any kind")
    topic = django_filters.ModelChoiceFilter(
        queryset=lambda request: Topic.objects.all(), to_field_name="slug",
        method="filter_topic", label="Topic", empty_label="Any topic",
    )  # fmt: skip
    year = django_filters.NumberFilter(
        min_value=1900, max_value=2100, widget=forms.Select(choices=partial(year_choices, 1990))
    )
    publisher = django_filters.CharFilter(field_name="publisher", lookup_expr="iexact")

    class Meta:
        model = Resource
        fields = ["q", "kind", "topic", "year", "publisher", "tag", "match"]

    def filter_text(self, queryset, name, value):
        value = value.strip()[:100]
        return queryset.filter(title__icontains=value) | queryset.filter(publisher__icontains=value)

    def filter_topic(self, queryset, name, topic):
        # A topic includes everything filed under the topics below it.
        return queryset.filter(topics__in=descendant_ids(topic)).distinct()


def facets(queryset):
    """Counts of the current results by kind, year, publisher and topic: one query each."""
    results = queryset.order_by()
    count = Count("pk", distinct=True)
    labels = dict(Kind.choices)
    kinds = results.values_list("kind").annotate(n=count).order_by("kind")
    years = results.exclude(year=None).values_list("year").annotate(n=count).order_by("-year")
    publishers = results.exclude(publisher="").values_list("publisher").annotate(n=count)
    topics = Topic.objects.filter(resources__in=results.values("pk"))
    return {
        "kind": [(kind, labels.get(kind, kind), n) for kind, n in kinds],
        "year": list(years[:15]),
        "publisher": list(publishers.order_by("-n", "publisher")[:15]),
        "topic": list(topics.annotate(n=Count("resources", distinct=True)).order_by("-n")[:20]),
    }
