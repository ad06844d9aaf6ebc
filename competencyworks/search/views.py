from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import TemplateView
from taggit.models import Tag

from competencyworks import search
from competencyworks.feeds import Feed
from competencyworks.models import SearchDocument

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
        return super().get_context_data(
            q=text[: search.MAX_QUERY_LENGTH], results=results, page_obj=page_obj,
            chosen_kinds=kinds, chosen_tags=tags, match_all=match_all,
            kinds=[(kind, document.label) for kind, document in search.KINDS.items()], **kwargs,
        )  # fmt: skip


class SearchFeed(Feed):
    """Newest items matching a search, so readers can follow a topic across the site."""

    description = "New posts, resources, wiki pages and policy entries matching a search."
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
        return f"{hit.document.title} ({hit.kind_label})"

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
    """Everything with one tag, across the blog, the wiki and the policy tracker."""

    template_name = "search/tag.html"
    page_cache_params = ["page"]

    def get_context_data(self, **kwargs):
        tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        documents = SearchDocument.objects.published().filter(tags=tag).defer("body", "vector")
        paginator = Paginator(documents.order_by("-publish_at"), RESULTS_PER_PAGE)
        page_obj = paginator.get_page(self.request.GET.get("page"))
        return super().get_context_data(
            tag=tag, page_obj=page_obj, documents=page_obj.object_list,
            labels={kind: document.label for kind, document in search.KINDS.items()}, **kwargs,
        )  # fmt: skip
