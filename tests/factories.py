from contextlib import contextmanager
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from blog.models import Author, Byline, Post, Section, Series
from competencyworks.publishing import Status
from wiki.models import Kind, Page, Resource, Topic


@contextmanager
def committed():
    """What the test has changed by the end of the block takes effect as if committed.

    Each test runs in a transaction that never commits, so after-commit work (search
    documents, citations, a new page-cache version) would never run: run it here instead."""
    yield
    while connection.run_on_commit:
        callbacks, connection.run_on_commit = connection.run_on_commit, []
        for _, callback, _ in callbacks:
            callback()


class ContentFactory(factory.django.DjangoModelFactory):
    """Content made for a test is there as if committed before the test acts."""

    class Meta:
        abstract = True

    @classmethod
    def _generate(cls, strategy, params):
        if strategy != factory.CREATE_STRATEGY:
            return super()._generate(strategy, params)
        with committed():
            return super()._generate(strategy, params)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class SectionFactory(ContentFactory):
    class Meta:
        model = Section
        django_get_or_create = ["slug"]

    name = "K-12"
    slug = "k-12"


class AuthorFactory(ContentFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author {n}")


class SeriesFactory(ContentFactory):
    class Meta:
        model = Series

    title = factory.Sequence(lambda n: f"Series {n}")


class PostFactory(ContentFactory):
    """A published post dated in the past; use `draft()` / `scheduled()` for the rest."""

    class Meta:
        model = Post
        skip_postgeneration_save = True

    section = factory.SubFactory(SectionFactory)
    title = factory.Sequence(lambda n: f"Post number {n}")
    body = "<p>Students show what they know when they are ready.</p>"
    status = Status.PUBLISHED
    publish_at = factory.Sequence(lambda n: timezone.now() - timedelta(days=1, hours=n))

    @factory.post_generation
    def tags(post, create, names, **kwargs):
        if create and names:
            post.tags.add(*names)

    @factory.post_generation
    def authors(post, create, authors, **kwargs):
        if create and authors:
            for position, author in enumerate(authors):
                Byline.objects.create(post=post, author=author, position=position)

    class Params:
        draft = factory.Trait(status=Status.DRAFT, publish_at=None)
        scheduled = factory.Trait(
            publish_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
        )


class TopicFactory(ContentFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")


class ResourceFactory(ContentFactory):
    """A published resource dated in the past; use `draft()` / `scheduled()` for the rest."""

    class Meta:
        model = Resource
        skip_postgeneration_save = True

    kind = Kind.REPORT
    title = factory.Sequence(lambda n: f"Resource number {n}")
    url = factory.Sequence(lambda n: f"https://example.org/resources/{n}.pdf")
    status = Status.PUBLISHED
    publish_at = factory.Sequence(lambda n: timezone.now() - timedelta(days=1, hours=n))

    @factory.post_generation
    def topics(resource, create, topics, **kwargs):
        if create and topics:
            resource.topics.add(*topics)

    @factory.post_generation
    def tags(resource, create, names, **kwargs):
        if create and names:
            resource.tags.add(*names)

    class Params:
        draft = factory.Trait(status=Status.DRAFT, publish_at=None)
        scheduled = factory.Trait(
            publish_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
        )


class PageFactory(ContentFactory):
    """A published wiki page in Markdown; use `draft()` / `scheduled()` for the rest."""

    class Meta:
        model = Page
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Page number {n}")
    body = "Students move on when they show **mastery**."
    status = Status.PUBLISHED
    publish_at = factory.Sequence(lambda n: timezone.now() - timedelta(days=1, hours=n))

    @factory.post_generation
    def topics(page, create, topics, **kwargs):
        if create and topics:
            page.topics.add(*topics)

    @factory.post_generation
    def tags(page, create, names, **kwargs):
        if create and names:
            page.tags.add(*names)

    class Params:
        draft = factory.Trait(status=Status.DRAFT, publish_at=None)
        scheduled = factory.Trait(
            publish_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
        )
