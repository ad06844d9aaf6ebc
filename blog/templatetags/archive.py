from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.template import Library

from blog.models import Post

register = Library()


@register.inclusion_tag("_includes/archive_years.html")
def archive_years():
    """The years with published posts, newest first, each with its count: one query."""
    years = (
        Post.objects.published()
        .annotate(year=ExtractYear("publish_at"))
        .values("year")
        .annotate(count=Count("pk"))
        .order_by("-year")
    )
    return {"years": years}
