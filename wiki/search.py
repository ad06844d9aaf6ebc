"""How resources and wiki pages become search documents."""

from competencyworks.html import plain_text
from competencyworks.search import Document
from wiki.models import Page, Resource


class ResourceDocument(Document):
    model = Resource
    kind = "resource"
    label = "Resource"

    def text(self, resource):
        # Publisher and authors rank with the summary: readers search by either.
        byline = " ".join([resource.publisher, resource.authors])
        return resource.title, byline, resource.summary


class PageDocument(Document):
    model = Page
    kind = "page"
    label = "Wiki page"

    def text(self, page):
        return page.title, page.summary, plain_text(page.body_html)
