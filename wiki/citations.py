"""Which blog posts link to which resources, worked out after posts or resources change.

A resource page lists the posts that cite it; finding them by scanning every post body at
request time grows with the blog, so the links are recorded in Citation rows instead.
"""

from itertools import islice

from blog.models import Post
from competencyworks.html import linked_keys
from wiki.models import Citation, Resource

BATCH = 500


def refresh_for_posts(post_ids):
    """Re-read these posts' links and record the resources they cite: only the resources
    their links name are read, so a save costs the same however large the library."""
    if not Resource.objects.exists():  # nothing to cite, nor citations: no body need be read
        return
    ids = iter(post_ids)
    while batch := list(islice(ids, BATCH)):
        Citation.objects.filter(post_id__in=batch).delete()
        bodies = Post.objects.filter(pk__in=batch, body__contains="href=").values_list("pk", "body")
        links = {(pk, key) for pk, body in bodies for key in linked_keys(body)}
        resources = dict(
            Resource.objects.filter(url_key__in={key for _, key in links})
            .order_by()
            .values_list("url_key", "pk")
        )
        Citation.objects.bulk_create(
            [
                Citation(post_id=pk, resource_id=resources[key])
                for pk, key in links
                if key in resources
            ],
            ignore_conflicts=True,
        )


def refresh_for_resource(resource):
    """Find the posts linking to a new or moved resource (a rare, editor-driven scan)."""
    Citation.objects.filter(resource=resource).delete()
    needle = resource.url_key.split("/", 1)[-1] or resource.url_key
    needle = needle.split("&")[0]  # bodies hold "&amp;" in hrefs; linked_keys checks the rest
    candidates = Post.objects.filter(body__icontains=needle).values_list("pk", "body")
    Citation.objects.bulk_create(
        [
            Citation(post_id=pk, resource=resource)
            for pk, body in candidates.iterator()
            if resource.url_key in linked_keys(body)
        ],
        ignore_conflicts=True,
    )


def follow_changes(changes):
    """After a commit: changed posts are re-read for their links; new or moved resources
    (rare editor actions, so one scan each is affordable) find the posts citing them."""
    if changes.get(Post):
        refresh_for_posts(sorted(changes[Post]))
    for resource in Resource.objects.filter(pk__in=changes.get(Resource, ())):
        refresh_for_resource(resource)
