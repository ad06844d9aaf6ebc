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
def edit_link(context, item):
    """'Edit this page' for staff who may change `item`; readers (and cached pages) get nothing."""
    user = context["request"].user
    opts = item._meta
    if not user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
        return ""
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(item.pk)])
    return format_html('<p class="edit-link"><a href="{}">Edit this page</a></p>', url)
