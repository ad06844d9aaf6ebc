"""Links to the site's pages in the header and footer, and staff's "Edit this page" link."""

from django import template
from django.conf import settings
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.html import format_html

from blog.models import SitePage
from competencyworks.pagecache import current_version, store

register = template.Library()


@register.simple_tag
def site_page_links():
    """{"navigation": [(title, url)], "footer": [...]} for the header and footer.

    With the page cache on, the links are read once per content version (which the page
    cache has just read, and which moves on when a scheduled page goes live), so a served
    page costs no query for them; with it off, pages and their links are read fresh.
    """
    if not settings.PAGE_CACHE_SECONDS:
        return SitePage.objects.links()
    key = f"site-page-links:{current_version()}"
    links = store.read(key)
    if links is None:
        links = SitePage.objects.links()
        store.write(key, links, settings.PAGE_CACHE_SECONDS)
    return links


@register.simple_tag(takes_context=True)
def edit_link(context, item, parts=None, part_of=None):
    """'Edit this page' for staff who may change `item`; readers (and cached pages) get nothing.

    A page whose changing content is a list of other records (a state's stage changes) names
    them: `parts` is their model ("policy.stagechange") and `part_of` their field pointing
    at `item`; staff who may add those get the list of this item's ones.
    """
    user = context["request"].user
    opts = item._meta
    if user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(item.pk)])
    elif parts and user.has_perm(parts.replace(".", ".add_", 1)):
        url = reverse(f"admin:{parts.replace('.', '_')}_changelist")
        url += f"?{part_of}__id__exact={item.pk}"
    else:
        return ""
    return format_html('<p class="edit-link"><a href="{}">Edit this page</a></p>', url)
