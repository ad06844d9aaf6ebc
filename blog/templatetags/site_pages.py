"""Links to the site's pages in the header and footer, and staff's "Edit this page" link."""

from django import template
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.html import format_html

from blog.models import SitePage
from competencyworks.pagecache.fragments import per_version

register = template.Library()


@register.simple_tag
def site_page_links():
    """{"navigation": [(title, url)], "footer": [...]} for the header and footer.

    Read once per content version (which moves on when a scheduled page goes live), so a
    page costs no query for them.
    """
    return per_version("site-page-links", SitePage.objects.links)


@register.simple_tag(takes_context=True)
def header_key(context, page_links):
    """The key of the header's remembered markup: all that differs between pages is the
    section marked current and the words in the search box."""
    request = context["request"]
    match = request.resolver_match
    navigation = {url for _title, url in page_links["navigation"]}
    current_page = request.path if request.path in navigation else ""
    return ("site-header", match.app_name if match else "", current_page, context.get("q") or "")


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
