from functools import partial

import django_filters
from django import forms

from competencyworks.filters import TagFilterSet, year_choices
from policy.models import Kind, PolicyEntry, State, Status, Topic


class EntryFilter(TagFilterSet):
    """Policy list filters, shared by the page and the CSV/JSON exports."""

    state = django_filters.ModelChoiceFilter(
        queryset=lambda request: State.objects.all(), to_field_name="code", empty_label="Any state"
    )
    kind = django_filters.ChoiceFilter(choices=Kind.choices, empty_label="Any kind")
    policy_status = django_filters.ChoiceFilter(
        choices=Status.choices, empty_label="Any status", label="Status"
    )
    topic = django_filters.ModelChoiceFilter(
        field_name="topics", queryset=lambda request: Topic.objects.all(), to_field_name="slug",
        empty_label="Any topic", label="Topic",
    )  # fmt: skip
    year = django_filters.NumberFilter(
        min_value=1900, max_value=2100, widget=forms.Select(choices=partial(year_choices, 1990))
    )

    class Meta:
        model = PolicyEntry
        fields = ["state", "kind", "policy_status", "topic", "year", "tag", "match"]
