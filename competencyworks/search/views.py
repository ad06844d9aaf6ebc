import re

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import Case, Count, IntegerField, Q, TextField, Value, When
from django.db.models.functions import Substr
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.generic import TemplateView
from taggit.models import Tag

from competencyworks import search
from competencyworks.feeds import Feed
from competencyworks.models import SearchDocument
from competencyworks.pagecache.fragments import per_version
from competencyworks.paginators import DeepPaginator

RESULTS_PER_PAGE = 20
SEARCH_PARAMS = ["q", "type", "tag", "match"]  # what search_options reads


def search_options(request):
    """What the reader asked for, read defensively: anything odd is simply ignored."""
    kinds = [kind for kind in request.GET.getlist("type") if kind in search.KINDS]
    tags = [tag.strip().lower()[:100] for tag in request.GET.getlist("tag")[:5] if tag.strip()]
    match_all = request.GET.get("match") != "any"
    return request.GET.get("q", ""), kinds, tags, match_all


class SearchView(TemplateView):
    template_name = "search/results.html"
    page_cache_params = [*SEARCH_PARAMS, "page"]

    def get_context_data(self, **kwargs):
        text, kinds, tags, match_all = search_options(self.request)
        try:
            number = max(int(self.request.GET.get("page", "1")), 1)
        except ValueError:
            number = 1
        offset = (number - 1) * RESULTS_PER_PAGE
        results = search.search(
            text, kinds=kinds, tags=tags, match_all=match_all, offset=offset,
            limit=RESULTS_PER_PAGE,
        )  # fmt: skip
        paginator = Paginator(range(results.total), RESULTS_PER_PAGE)
        page_obj = Page(results.hits, min(number, paginator.num_pages), paginator)
        q = text[: search.MAX_QUERY_LENGTH]
        if not results.query.is_empty and not results.total:
            # Somewhere to go from an empty result: popular tags and the newest posts.
            kwargs["popular_tags"] = published_tags()[:12]
            kwargs["recent_posts"] = (
                SearchDocument.objects.published().filter(kind="post")
                .defer("body", "vector").order_by("-publish_at")[:5]
            )  # fmt: skip
        return super().get_context_data(
            q=q, q_heading=quoted_query(q), results=results, page_obj=page_obj,
            chosen_kinds=kinds, chosen_tags=tags, match_all=match_all,
            kinds=[(kind, document.label) for kind, document in search.KINDS.items()], **kwargs,
        )  # fmt: skip


def quoted_query(text):
    """The reader's words between curly quotes, or, where they quoted a phrase themselves,
    their own quotes made curly: never quotes within quotes."""
    text = " ".join(text.split())
    if '"' not in text:
        return f"“{text}”"
    return re.sub(r'"([^"]*)"', r"“\1”", text).replace('"', "")


class SearchFeed(Feed):
    """Newest items matching a search, so readers can follow a topic across the site."""

    description = "New posts, resources, guides and policy entries matching a search."
    page_cache_params = SEARCH_PARAMS

    def get_object(self, request):
        return search_options(request)

    def title(self, options):
        return f"CompetencyWorks search: {options[0][:100]}"

    def link(self, options):
        return "/search/"

    def items(self, options):
        text, kinds, tags, match_all = options
        results = search.search(text, kinds=kinds, tags=tags, match_all=match_all, limit=200)
        newest = sorted(results.hits, key=lambda hit: hit.document.publish_at, reverse=True)
        return newest[:20]

    def item_title(self, hit):
        dated = f", {hit.own_date}" if hit.own_date else ""
        return f"{hit.document.title} ({hit.kind_label}{dated})"

    def item_summary(self, hit):
        return hit.document.summary

    def item_link(self, hit):
        return hit.document.url

    def item_pubdate(self, hit):
        return hit.document.publish_at


def published_tags():
    """Tags with how many published items of any kind carry them."""
    public = Q(
        search_documents__status="published", search_documents__publish_at__lte=timezone.now()
    )
    return (
        Tag.objects.annotate(uses=Count("search_documents", filter=public))
        .filter(uses__gt=0)
        .order_by("-uses", "name")
    )


class TagCloudView(TemplateView):
    template_name = "search/tags.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(tags=published_tags()[:200], **kwargs)


class TagView(TemplateView):
    """Everything with one tag, across the blog, the library and the policy tracker."""

    template_name = "search/tag.html"
    page_cache_params = ["page"]
    # Posts first, then the library, then policy; each under its own heading.
    kind_order = {
        "post": "Blog posts", "resource": "Resources", "page": "Guides", "policy": "Policy entries",
    }  # fmt: skip

    def get_context_data(self, **kwargs):
        tag = get_object_or_404(Tag, slug=self.kwargs["slug"])

        def documents():
            published = SearchDocument.objects.published().filter(tags=tag)
            return published.defer("body", "vector")

        def listed():
            return (
                documents()
                .annotate(blurb=blurb())
                .order_by(kind_rank(self.kind_order), "-publish_at", "pk")
            )

        # A tag only drafts carry stays unknown to readers, as the drafts do. The list is
        # built only if its count or rows are read, not where both are remembered.
        paginator = DeepPaginator(
            SimpleLazyObject(listed), RESULTS_PER_PAGE, address=("tag", tag.pk),
            allow_empty_first_page=False,
        )  # fmt: skip
        try:
            page_obj = paginator.get_page(self.request.GET.get("page"))
        except EmptyPage:
            raise Http404("Nothing published carries this tag.") from None
        # Read only when the page's markup is built, not when it is remembered.
        groups = SimpleLazyObject(lambda: self.groups(list(page_obj.object_list)))
        has_posts = per_version(  # then the tag's post feeds exist
            ("tag-has-posts", tag.pk), lambda: documents().filter(kind="post").exists()
        )
        return super().get_context_data(
            tag=tag, page_obj=page_obj, groups=groups, has_posts=has_posts, **kwargs
        )

    def groups(self, shown):
        return [
            self.group(kind, [doc for doc in shown if doc.kind == kind])
            for kind in dict.fromkeys(doc.kind for doc in shown)
        ]

    def group(self, kind, documents):
        """A heading's documents, as cards where their kind has them (posts, as on the blog)."""
        label = self.kind_order.get(kind, kind)
        document = search.KINDS.get(kind)
        if document is None or document.card_template is None:
            return {"label": label, "documents": documents}
        items = document.cards([doc.object_id for doc in documents])
        cards = [items[doc.object_id] for doc in documents if doc.object_id in items]
        return {"label": label, "cards": cards, "card_template": document.card_template}


def blurb(length=400):
    """The opening of each document's text that says what it is (a resource's summary is its
    body: its summary column holds the publisher and authors), no more than a list shows."""
    whens = [
        When(kind=kind, then=Substr(document.blurb_column, 1, length))
        for kind, document in search.KINDS.items()
        if document.blurb_column != "summary"
    ]
    return Case(*whens, default=Substr("summary", 1, length), output_field=TextField())


def kind_rank(order):
    """Sorts documents by kind in `order` (kinds not named come last)."""
    whens = [When(kind=kind, then=Value(rank)) for rank, kind in enumerate(order)]
    return Case(*whens, default=Value(len(order)), output_field=IntegerField())
