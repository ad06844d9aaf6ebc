from django.contrib.syndication.views import add_domain
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.views.generic import (
    DetailView,
    ListView,
    MonthArchiveView,
    TemplateView,
    YearArchiveView,
)
from django_filters.views import FilterView

from blog import legacy
from blog.connections import connections
from blog.filters import PostFilter
from blog.models import Author, Post, Section, Series, SitePage
from competencyworks.filters import narrowing_tags
from competencyworks.pagecache.fragments import remembered
from competencyworks.paginators import DeepPaginator
from competencyworks.views import PreviewMixin
from wiki.models import Resource

POSTS_PER_PAGE = 10
POSTS_PER_SECTION = 4
NEW_RESOURCES = 5


class HomeView(TemplateView):
    """The front page: the newest posts of each section, current series, new resources."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        return legacy.query_redirect(request) or super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        # Read only when the page's markup is built, not when it is remembered.
        return super().get_context_data(
            sections=SimpleLazyObject(
                lambda: Post.objects.published().for_cards().latest_by_section(POSTS_PER_SECTION)
            ),
            current_series=Series.objects.with_published_parts()[:3],
            new_resources=Resource.objects.published().order_by("-publish_at")[:NEW_RESOURCES],
            **kwargs,
        )


class PostListMixin:
    """Public post lists: published only, with what a card shows, paginated."""

    paginate_by = POSTS_PER_PAGE
    context_object_name = "posts"

    def get_queryset(self):
        return Post.objects.published().for_cards()

    def get_paginator(self, queryset, per_page, **kwargs):
        # The list's address without its page number names its count.
        query = self.request.GET.copy()
        query.pop("page", None)
        address = (self.request.path, query.urlencode())
        return DeepPaginator(queryset, per_page, address=address, **kwargs)


class PostListView(PostListMixin, FilterView):
    filterset_class = PostFilter
    template_name = "blog/post_list.html"
    pinned_count = 3

    def get(self, request, *args, **kwargs):
        # The filters, and the list they give, are built only if the page's count or markup
        # is read rather than remembered for the content version. Bad values give an empty list.
        self.filterset = SimpleLazyObject(lambda: self.get_filterset(self.get_filterset_class()))
        self.object_list = SimpleLazyObject(
            lambda: self.filterset.qs if self.valid_filters() else self.filterset.queryset.none()
        )
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        return self.render_to_response(context)

    def get_template_names(self):
        return [self.template_name]  # the default guesses from the list's model, building it

    def valid_filters(self):
        return not self.filterset.is_bound or self.filterset.is_valid()

    def filtered(self):
        return self.filterset.is_bound and self.filterset.form.has_changed()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        first_page = context["page_obj"].number == 1

        def pinned():
            # Pinned posts head the unfiltered front page, as sticky posts do in WordPress.
            if not first_page or self.filtered():
                return []
            return list(Post.objects.published().for_cards().pinned()[: self.pinned_count])

        def narrowing():
            valid = self.filtered() and self.valid_filters()
            chosen = self.filterset.form.cleaned_data.get("tag", []) if valid else []
            return narrowing_tags(self.request, context["posts"], chosen)

        # Read only when the page's markup is built, not when it is remembered.
        context["pinned_posts"] = SimpleLazyObject(pinned)
        context["narrowing_tags"] = SimpleLazyObject(narrowing)
        return context


class SectionView(PostListMixin, ListView):
    template_name = "blog/section.html"

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class AuthorView(PostListMixin, ListView):
    template_name = "blog/author.html"

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return super().get_queryset().filter(bylines__author=self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class SeriesIndexView(ListView):
    template_name = "blog/series_index.html"
    context_object_name = "series_list"
    paginate_by = 30

    def get_queryset(self):
        return Series.objects.with_published_parts()


class SeriesView(ListView):
    """A series and its published parts, in reading order."""

    template_name = "blog/series.html"
    context_object_name = "posts"

    def get_queryset(self):
        self.series = get_object_or_404(
            Series.objects.with_published_parts(), slug=self.kwargs["slug"]
        )
        return Post.objects.published().for_cards().filter(series=self.series).in_reading_order()

    def get_context_data(self, **kwargs):
        return super().get_context_data(series=self.series, **kwargs)


class ArchiveMixin(PostListMixin):
    date_field = "publish_at"
    make_object_list = True
    allow_empty = False
    month_format = "%m"


class PostYearArchiveView(ArchiveMixin, YearArchiveView):
    template_name = "blog/archive_year.html"


class PostMonthArchiveView(ArchiveMixin, MonthArchiveView):
    template_name = "blog/archive_month.html"


class PostDetailView(DetailView):
    """A post. Staff who may change posts also see drafts and scheduled posts (never cached)."""

    model = Post
    template_name = "blog/post_detail.html"
    context_object_name = "post"

    def get_queryset(self):
        posts = (
            Post.objects.select_related("section", "series")
            .with_bylines_and_tags()
            .with_connections()
        )
        if self.request.user.has_perm("blog.change_post"):
            return posts
        return posts.published()

    def get_object(self, queryset=None):
        if self.request.user.has_perm("blog.change_post"):
            return super().get_object(queryset)
        # Every reader is shown the same published post until content changes: read it once
        # per content version, not once per request.
        return remembered(
            ("post", *self.kwargs.values()),
            lambda: super(PostDetailView, self).get_object(queryset),
            versioned=True,
            weight=lambda post: len(post.body),
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        canonical = self.object.get_absolute_url()
        if not request.path.startswith(canonical):
            # Right slug, wrong date: send readers to the one true address.
            return HttpResponsePermanentRedirect(canonical)
        response = self.render_to_response(self.get_context_data(object=self.object))
        if not self.object.is_public:
            add_never_cache_headers(response)
        return response

    def get_context_data(self, **kwargs):
        post = self.object
        context = super().get_context_data(**kwargs)
        context.update(surroundings(post))
        if post.image:
            context["og_image"] = add_domain(
                self.request.get_host(), post.image_social.url, self.request.is_secure()
            )
        return context


def surroundings(post):
    """The series box, related posts, and related library and policy items beside a post,
    each read only if the page's markup is built rather than remembered."""
    return {
        "related_posts": SimpleLazyObject(lambda: Post.objects.related_to(post)),
        "connections": SimpleLazyObject(
            lambda: connections(post, post.tags.all(), post.topics.all(), post.states.all())
        ),
        "series_box": SimpleLazyObject(lambda: SeriesBox.of(post) if post.series_id else None),
    }


class PostPrintView(PostDetailView):
    template_name = "blog/post_print.html"


class SeriesBox:
    """Where a post stands in its series: "Part 2 of 3", previous, next, contents."""

    @classmethod
    def of(cls, post):
        """The box of a post in a series, from its published parts (one query)."""
        parts = (
            Post.objects.published()
            .filter(series_id=post.series_id)
            .in_reading_order()
            .only("title", "slug", "publish_at", "series_part", "status")
        )
        return cls(post, list(parts))

    def __init__(self, post, parts):
        self.series = post.series
        self.parts = parts
        ids = [part.pk for part in parts]
        self.index = ids.index(post.pk) if post.pk in ids else None
        # A gap in the numbering (parts 1, 2 and 5 published) must not read "Part 5 of 3".
        highest = max((part.series_part or 0 for part in parts), default=0)
        self.total = max(post.series.planned_parts or 0, len(parts), highest)

    @property
    def part_number(self):
        if self.index is None:
            return None
        return self.parts[self.index].series_part or self.index + 1

    @property
    def previous(self):
        return self.parts[self.index - 1] if self.index else None

    @property
    def next(self):
        if self.index is None or self.index + 1 >= len(self.parts):
            return None
        return self.parts[self.index + 1]


class SitePageView(PreviewMixin, DetailView):
    """A standing page (About, Contact) at /<slug>/; staff who may change pages preview drafts."""

    model = SitePage
    template_name = "blog/site_page.html"
    context_object_name = "page"
