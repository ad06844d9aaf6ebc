"""The old WordPress site's addresses, answered with a 301 to the page that replaced them.

Links and bookmarks to the old site use its permalinks (/2015/03/12/slug/, /2015/03/slug/),
its query addresses (/?p=123, /?page_id=7, /?s=words) and its archives (/category/k-12/,
/tag/x/, /author/x/, each with a feed/). Each leads on only while what it names is public:
otherwise it is a 404, as the item's own page is. Imported posts keep their WordPress id in
their import key ("wxr:<site>:<id>").
"""

from urllib.parse import urlencode

from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django.views import View
from taggit.models import Tag

from blog.models import Author, Post, Section, SitePage
from competencyworks.models import SearchDocument

WORDPRESS_IDS = {"p": Post, "page_id": SitePage}


def query_redirect(request):
    """A 301 for the old site's query addresses (/?p=123, /?page_id=7, /?s=words) on the
    home page, or None for any other request there; a 404 for an id nothing public has."""
    for param, model in WORDPRESS_IDS.items():
        if param in request.GET:
            wordpress_id = request.GET[param].strip()
            if not wordpress_id.isdigit() or len(wordpress_id) > 20:
                raise Http404("No such post.")
            item = (
                model.objects.published()
                .filter(import_key__startswith="wxr:", import_key__endswith=f":{wordpress_id}")
                .only("slug", "publish_at", "created_at")
                .order_by("pk")
                .first()
            )
            if item is None:
                raise Http404("No published post has this WordPress id.")
            return HttpResponsePermanentRedirect(item.get_absolute_url())
    if request.GET.get("s", "").strip():
        query = urlencode({"q": request.GET["s"]})
        return HttpResponsePermanentRedirect(f"{reverse('search')}?{query}")
    return None


class OldPermalinkView(View):
    """/YYYY/MM/DD/slug/ and /YYYY/MM/slug/: a post's address on the old site.

    Slugs are unique, so the slug names the post; the post's page sends a wrong date on to
    the right one. Imported posts whose slug changed since are found by the moved-pages
    middleware, which answers this view's 404."""

    def get(self, request, slug, **date):
        post = Post.objects.published().filter(slug=slug).only("slug", "publish_at").first()
        if post is None:
            raise Http404("No published post at this address.")
        return HttpResponsePermanentRedirect(post.get_absolute_url())


def has_public_items(tag):
    return SearchDocument.objects.published().filter(tags=tag).exists()


class OldArchiveView(View):
    """/category/…/x/, /tag/x/, /author/x/ and their feeds: the section, tag or author page
    (or feed) now, while it has something public to show."""

    archive = ""  # "category", "tag" or "author"

    def get(self, request, slug, feed=False):
        target = getattr(self, f"{self.archive}_target")(slug, bool(feed))
        if target is None:
            raise Http404(f"No {self.archive} with published posts at this address.")
        return HttpResponsePermanentRedirect(target)

    def category_target(self, slug, feed):
        # A category is a section of the blog (K-12, Higher Education) or became a tag.
        section = Section.objects.filter(slug=slug).first()
        if section is not None:
            if not Post.objects.published().filter(section=section).exists():
                return None
            return reverse("blog:section-feed" if feed else "blog:section", args=[slug])
        return self.tag_target(slug, feed)

    def tag_target(self, slug, feed):
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            return None
        if feed:
            public = Post.objects.published().filter(tags=tag).exists()
            return reverse("blog:tag-feed", args=[tag.slug]) if public else None
        return reverse("tag", args=[tag.slug]) if has_public_items(tag) else None

    def author_target(self, slug, feed):
        author = Author.objects.filter(slug=slug).first()
        if author is None or not Post.objects.published().filter(bylines__author=author).exists():
            return None
        return reverse("blog:author-feed" if feed else "blog:author", args=[slug])
