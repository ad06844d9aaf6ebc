from django.db.models import Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from blog.models import Post
from competencyworks import revisions
from competencyworks.feeds import AtomMixin, Feed
from competencyworks.views import PreviewMixin
from wiki import diff, markup
from wiki.filters import ResourceFilter, facets
from wiki.models import Page, Resource, Topic, descendant_ids, topic_tree

RESOURCES_PER_PAGE = 20
HISTORY_VERSIONS = 50
PUBLIC_FIELDS = ["title", "body", "tag_names"]  # what readers see of each version


class OldLibraryAddressView(View):
    """The library and its guides used to live at /wiki/ and /wiki/pages/: old links lead on."""

    def get(self, request, rest):
        if rest == "pages" or rest.startswith("pages/"):
            rest = "guides" + rest.removeprefix("pages")
        path = reverse("wiki:library") + rest
        try:
            resolve(path)
        except Resolver404:
            raise Http404("Nothing in the library at this address.") from None
        query = request.META.get("QUERY_STRING")
        return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)


class LibraryView(FilterView):
    template_name = "wiki/library.html"
    filterset_class = ResourceFilter
    paginate_by = RESOURCES_PER_PAGE
    context_object_name = "resources"

    def get_queryset(self):
        return Resource.objects.published().for_cards().order_by("title")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # object_list is already empty when a filter value is invalid.
        context["facets"] = facets(self.object_list)
        return context


class ResourceView(PreviewMixin, DetailView):
    model = Resource
    template_name = "wiki/resource_detail.html"
    context_object_name = "resource"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("topics", "tags")

    def get_context_data(self, **kwargs):
        resource = self.object
        tag_ids = [tag.pk for tag in resource.tags.all()]
        # Posts that link to it, or that share its tags.
        citing = Post.objects.published().filter(
            Q(citations__resource=resource) | Q(tags__in=tag_ids)
        )
        return super().get_context_data(
            related=Resource.objects.published().related_to(resource),
            citing_posts=citing.distinct().order_by("-publish_at")[:5],
            **kwargs,
        )


class PageListView(ListView):
    template_name = "wiki/page_list.html"
    context_object_name = "pages"
    paginate_by = 50

    def get_queryset(self):
        return Page.objects.published().only("title", "slug", "summary")


class PageView(PreviewMixin, DetailView):
    model = Page
    template_name = "wiki/page_detail.html"
    context_object_name = "page"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("topics", "tags", "links")

    def get_context_data(self, **kwargs):
        page = self.object
        keys = [link.target_key for link in page.links.all()]
        body = markup.resolve_links(page.body_html, Page.objects.urls_for(keys))
        return super().get_context_data(
            body=body,
            linked_from=Page.objects.linking_to(page).only("title", "slug"),
            **kwargs,
        )


class PageHistoryView(DetailView):
    template_name = "wiki/page_history.html"
    context_object_name = "page"

    def get_queryset(self):
        return Page.objects.published()

    def get_context_data(self, **kwargs):
        versions = revisions.public_versions_of(self.object)[:HISTORY_VERSIONS]
        return super().get_context_data(versions=versions, history_limit=HISTORY_VERSIONS, **kwargs)


class PageDiffView(DetailView):
    template_name = "wiki/page_diff.html"
    page_cache_params = ["from", "to"]
    context_object_name = "page"

    def get_queryset(self):
        return Page.objects.published()

    def get_context_data(self, **kwargs):
        # Only versions readers could have seen: a draft's id answers like a missing one.
        versions = revisions.public_versions_of(self.object)
        try:
            chosen = [versions.get(pk=int(self.request.GET[key])) for key in ("from", "to")]
        except (KeyError, ValueError, versions.model.DoesNotExist):
            raise Http404("Choose two versions of this page to compare.") from None
        old, new = sorted(chosen, key=lambda version: version.revision.date_created)
        return super().get_context_data(
            old=old, new=new, changes=diff.compare(old, new, PUBLIC_FIELDS), **kwargs
        )


class MissingPageView(TemplateView):
    """Where a red [[link]] leads: staff start the page, readers learn it is not written yet."""

    template_name = "wiki/page_missing.html"

    def get(self, request, *args, **kwargs):
        title = request.GET.get("title", "").strip()[:200]
        # Staff who may edit pages see an unpublished page of that title, not a form for a twin.
        may_edit = request.user.has_perm("wiki.change_page")
        pages = Page.objects.all() if may_edit else Page.objects.published()
        existing = pages.filter(title_key=markup.title_key(title)).first()
        if title and existing:
            return redirect(existing)
        if title and request.user.has_perm("wiki.add_page"):
            return redirect(f"{reverse('admin:wiki_page_add')}?{request.GET.urlencode()}")
        response = super().get(request, *args, title=title, **kwargs)
        response.status_code = 404
        return response


class TopicListView(TemplateView):
    template_name = "wiki/topic_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(tree=topic_tree(), **kwargs)


class TopicView(DetailView):
    model = Topic
    template_name = "wiki/topic_detail.html"
    context_object_name = "topic"

    def get_context_data(self, **kwargs):
        ids = descendant_ids(self.object)
        resources = Resource.objects.published().filter(topics__in=ids).distinct()
        pages = Page.objects.published().filter(topics__in=ids).distinct()
        return super().get_context_data(
            resources=resources.for_cards().order_by("title")[:100],
            pages=pages.only("title", "slug", "summary").order_by("title"),
            subtopics=self.object.children.all(),
            **kwargs,
        )


class ResourceFeed(Feed):
    title = "CompetencyWorks: new in the resource library"
    description = "Reports, tools and other resources newly added to the library."

    def link(self):
        return reverse("wiki:library")

    def items(self):
        return Resource.objects.published().prefetch_related("tags").order_by("-publish_at")[:20]

    def item_title(self, resource):
        # The year it was published, not the day it joined the library (the item's date).
        year = f", {resource.year}" if resource.year else ""
        return f"{resource.title} ({resource.get_kind_display()}{year})"

    def item_summary(self, resource):
        return resource.summary

    def item_pubdate(self, resource):
        return resource.publish_at

    def item_categories(self, resource):
        return [tag.name for tag in resource.tags.all()]


class AtomResourceFeed(AtomMixin, ResourceFeed):
    pass
