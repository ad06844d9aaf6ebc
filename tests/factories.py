from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from blog.models import Author, Byline, Post, Section, Series
from competencyworks.publishing import Status
from wiki.models import Kind, Page, Resource, Topic


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ["slug"]

    name = "K-12"
    slug = "k-12"


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author {n}")


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    title = factory.Sequence(lambda n: f"Series {n}")


class PostFactory(factory.django.DjangoModelFactory):
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


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")


class ResourceFactory(factory.django.DjangoModelFactory):
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


class PageFactory(factory.django.DjangoModelFactory):
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
