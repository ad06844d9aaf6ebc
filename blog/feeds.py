from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from taggit.models import Tag

from blog.models import Author, Post, Section, Series
from competencyworks.feeds import AtomMixin, Feed

FEED_LENGTH = 20


class PostFeed(Feed):
    """The latest published posts; subclasses narrow them to one section, tag, author or series."""

    description = settings.SITE_TAGLINE

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: {obj}" if obj else settings.SITE_NAME

    def link(self, obj=None):
        return obj.get_absolute_url() if obj else reverse("blog:list")

    def filter_posts(self, posts, obj):
        return posts

    def items(self, obj=None):
        posts = Post.objects.published().select_related("section").with_bylines_and_tags()
        return self.filter_posts(posts, obj)[:FEED_LENGTH]

    def item_title(self, post):
        return post.title

    def item_summary(self, post):
        return post.summary

    def item_pubdate(self, post):
        return post.publish_at

    def item_updateddate(self, post):
        return post.updated_at

    def item_author_name(self, post):
        return ", ".join(author.name for author in post.ordered_authors) or None

    def item_categories(self, post):
        return [post.section.name, *(tag.name for tag in post.tags.all())]


class SectionFeed(PostFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def filter_posts(self, posts, section):
        return posts.filter(section=section)


class PublishedOnlyFeed(PostFeed):
    """A tag's, author's or series' feed exists only while it has a published post, as its
    page does: a draft's tags, byline or series stay unknown to readers."""

    model = None

    def get_object(self, request, slug):
        obj = get_object_or_404(self.model, slug=slug)
        if not self.filter_posts(Post.objects.published(), obj).exists():
            raise Http404(f"No published posts for this {self.model._meta.verbose_name}.")
        return obj


class TagFeed(PublishedOnlyFeed):
    model = Tag

    def link(self, tag):
        return reverse("tag", args=[tag.slug])

    def filter_posts(self, posts, tag):
        return posts.filter(tags=tag)


class AuthorFeed(PublishedOnlyFeed):
    model = Author

    def filter_posts(self, posts, author):
        return posts.filter(bylines__author=author)


class SeriesFeed(PublishedOnlyFeed):
    model = Series

    def filter_posts(self, posts, series):
        return posts.filter(series=series)


class AtomPostFeed(AtomMixin, PostFeed):
    pass


class AtomSectionFeed(AtomMixin, SectionFeed):
    pass


class AtomTagFeed(AtomMixin, TagFeed):
    pass


class AtomAuthorFeed(AtomMixin, AuthorFeed):
    pass


class AtomSeriesFeed(AtomMixin, SeriesFeed):
    pass
