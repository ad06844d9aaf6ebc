"""How posts and the site's pages become search documents."""

from blog.models import Post, SitePage
from competencyworks.html import plain_text
from competencyworks.search import Document


class PostDocument(Document):
    model = Post
    kind = "post"
    label = "Blog post"

    def items(self):
        # What the text and the address need: an import reindexes thousands of posts.
        fields = ["title", "summary", "body", "slug", "status", "publish_at", "created_at"]
        return super().items().only(*fields)

    def text(self, post):
        return post.title, post.summary, plain_text(post.body)

    card_template = "_includes/post_card.html"

    def cards(self, pks):
        return Post.objects.published().for_cards().in_bulk(pks)


class SitePageDocument(Document):
    model = SitePage
    kind = "sitepage"
    label = "Page"
    dated_by_publication = False

    def tags(self, items):
        return {page.pk: [] for page in items}  # pages carry no tags

    def own_date(self, page):
        return ""  # a standing page (About, Contact) is undated

    def text(self, page):
        return page.title, page.summary, plain_text(page.body)
