from datetime import datetime

from django.db.models import Count, Subquery
from django.template import Library
from django.utils import timezone

from blog.models import Post
from competencyworks.pagecache.fragments import per_version
from competencyworks.publishing import Status

register = Library()


@register.inclusion_tag("_includes/archive_years.html")
def archive_years():
    """The years with published posts, newest first, each with its count, once per content
    version, like the navigation: no query on a page after the first."""
    return {"years": per_version("archive-years", published_years)}


def published_years():
    """Two queries whatever the number of posts, each walking only the index on (status,
    publish time): the newest and oldest posts by two seeks, then each year's count as that
    year's range of the index. Aggregating over every row instead (MIN/MAX, then a filtered
    COUNT per year) took about 0.5 s at 100,000 posts spread over 35 years; this, 40 ms."""
    published = Post.objects.published()
    newest_first = published.order_by("-publish_at").values("publish_at")
    oldest = published.order_by("publish_at").values("publish_at")[:1]
    bounds = newest_first.annotate(first=Subquery(oldest))[:1]
    if not bounds:
        return []
    last, first = (timezone.localtime(bounds[0][end]).year for end in ("publish_at", "first"))
    years = range(last, first - 1, -1)

    now = timezone.now()

    def count(year):
        # One upper bound only, so the database walks just the year's part of the index:
        # the year's end, or now for the year still running.
        end = new_year(year + 1)
        within = Post.objects.filter(status=Status.PUBLISHED, publish_at__gte=new_year(year))
        within = (
            within.filter(publish_at__lte=now) if end > now else within.filter(publish_at__lt=end)
        )
        return Subquery(within.order_by().values("status").annotate(n=Count("pk")).values("n"))

    # Any one published row carries the counts: unordered, so no row but the first is read.
    any_post = published.order_by().values("pk")
    counts = any_post.annotate(**{f"y{year}": count(year) for year in years})[0]
    return [{"year": year, "count": counts[f"y{year}"]} for year in years if counts[f"y{year}"]]


def new_year(year):
    """The first instant of `year` in the site's time zone."""
    return timezone.make_aware(datetime(year, 1, 1))
