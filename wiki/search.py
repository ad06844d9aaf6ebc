"""How resources and guides become search documents."""

from competencyworks.html import plain_text
from competencyworks.search import Document
from wiki.models import Page, Resource


class ResourceDocument(Document):
    model = Resource
    kind = "resource"
    label = "Resource"
    dated_by_publication = False
    blurb_column = "body"  # its summary; the summary column holds publisher and authors

    def text(self, resource):
        # Publisher and authors rank with the summary: readers search by either.
        byline = " ".join([resource.publisher, resource.authors])
        return resource.title, byline, resource.summary

    def own_date(self, resource):
        return str(resource.year or "")  # when it was published, not when it joined the library


class PageDocument(Document):
    model = Page
    kind = "page"
    label = "Guide"
    dated_by_publication = False

    def text(self, page):
        return page.title, page.summary, plain_text(page.body_html)

    def own_date(self, page):
        return ""  # a guide is kept current: no date of its own
