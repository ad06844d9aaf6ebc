from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.template import Library

from blog.models import Post
from competencyworks.pagecache.fragments import per_version

register = Library()


@register.inclusion_tag("_includes/archive_years.html")
def archive_years():
    """The years with published posts, newest first, each with its count.

    Counting reads every published post (the year is worked out per row), so it is done
    once per content version, like the navigation: no query on a page after the first.
    """
    return {"years": per_version("archive-years", published_years)}


def published_years():
    return list(
        Post.objects.published()
        .annotate(year=ExtractYear("publish_at"))
        .values("year")
        .annotate(count=Count("pk"))
        .order_by("-year")
    )
