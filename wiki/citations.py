"""Which blog posts link to which resources, worked out when posts or resources are saved.

A resource page lists the posts that cite it; finding them by scanning every post body at
request time grows with the blog, so the links are recorded in Citation rows instead.
"""

from itertools import islice

from django.db.models.signals import post_save
from django.dispatch import receiver

from blog.models import Post
from blog.signals import posts_imported
from competencyworks.html import linked_keys
from wiki.models import Citation, Resource

BATCH = 500


def refresh_for_posts(post_ids):
    """Re-read these posts' links and record the resources they cite."""
    resources = dict(Resource.objects.values_list("url_key", "pk"))
    ids = iter(post_ids)
    while batch := list(islice(ids, BATCH)):
        Citation.objects.filter(post_id__in=batch).delete()
        if not resources:
            continue
        bodies = Post.objects.filter(pk__in=batch, body__contains="href=").values_list("pk", "body")
        Citation.objects.bulk_create(
            [
                Citation(post_id=pk, resource_id=resources[key])
                for pk, body in bodies
                for key in linked_keys(body)
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


@receiver(post_save, sender=Post, dispatch_uid="wiki_citations_post_saved")
def post_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_for_posts([instance.pk])


@receiver(posts_imported, dispatch_uid="wiki_citations_posts_imported")
def posts_were_imported(sender, post_ids, **kwargs):
    refresh_for_posts(post_ids)


@receiver(post_save, sender=Resource, dispatch_uid="wiki_citations_resource_saved")
def resource_saved(sender, instance, raw=False, **kwargs):
    # Saves of resources are rare editor actions, so one scan per save is affordable.
    if not raw:
        refresh_for_resource(instance)
