import django_filters

TAG_MATCH = [("all", "all of these tags"), ("any", "any of these tags")]
MAX_TAGS = 5


class TagFilterSet(django_filters.FilterSet):
    """?tag=a&tag=b narrows to items carrying every tag, or any of them with ?match=any."""

    tag = django_filters.CharFilter(method="filter_tags", label="Tag")
    match = django_filters.ChoiceFilter(
        choices=TAG_MATCH, method="read_by_filter_tags", empty_label=None, label="Match"
    )

    def filter_tags(self, queryset, name, value):
        slugs = [s.strip().lower() for s in self.data.getlist("tag")[:MAX_TAGS] if s.strip()]
        if self.data.get("match") == "any":
            return queryset.filter(tags__slug__in=slugs).distinct()
        for slug in slugs:
            queryset = queryset.filter(tags__slug=slug)
        return queryset

    def read_by_filter_tags(self, queryset, name, value):
        return queryset
