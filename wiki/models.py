from datetime import UTC

import reversion
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from taggit.managers import TaggableManager

from competencyworks.html import excerpt, link_key
from competencyworks.publishing import Publishable, PublishedQuerySet, unique_slug
from competencyworks.tagging import SetBasedTagManager
from wiki import markup


class Topic(models.Model):
    """A subject heading for resources and pages; topics nest (Assessment › Rubrics)."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("wiki:topic", args=[self.slug])


def topic_tree():
    """All topics as (topic, depth) in tree order, from one query."""
    topics = list(Topic.objects.all())
    children = {}
    for topic in topics:
        children.setdefault(topic.parent_id, []).append(topic)
    ordered = []

    def walk(parent_id, depth):
        for topic in children.get(parent_id, []):
            ordered.append((topic, depth))
            walk(topic.pk, depth + 1)

    walk(None, 0)
    return ordered


def descendant_ids(topic):
    """The topic and every topic below it (the tree is small: one query)."""
    parents = dict(Topic.objects.values_list("pk", "parent_id"))
    ids = {topic.pk}
    changed = True
    while changed:
        found = {pk for pk, parent in parents.items() if parent in ids} - ids
        ids |= found
        changed = bool(found)
    return ids


class Kind(models.TextChoices):
    REPORT = "report", "Report"
    BOOK = "book", "Book"
    ARTICLE = "article", "Article"
    VIDEO = "video", "Video"
    WEBINAR = "webinar", "Webinar"
    TOOL = "tool", "Tool"
    ORGANISATION = "organisation", "Organization"
    WEBSITE = "website", "Website"


class LinkStatus(models.TextChoices):
    UNCHECKED = "unchecked", "Not checked yet"
    OK = "ok", "Working"
    BROKEN = "broken", "Broken"


class ResourceQuerySet(PublishedQuerySet):
    def for_cards(self):
        return self.prefetch_related("topics", "tags")

    def related_to(self, resource, count=4):
        """Resources sharing the most topics and tags with `resource`."""
        topic_ids = [topic.pk for topic in resource.topics.all()]
        tag_ids = [tag.pk for tag in resource.tags.all()]
        if not topic_ids and not tag_ids:
            return self.none()
        shared = Count("topics", filter=Q(topics__in=topic_ids), distinct=True) + Count(
            "tags", filter=Q(tags__in=tag_ids), distinct=True
        )
        return (
            self.filter(Q(topics__in=topic_ids) | Q(tags__in=tag_ids))
            .exclude(pk=resource.pk)
            .annotate(shared=shared)
            .order_by("-shared", "title")
            .distinct()[:count]
        )


@reversion.register()
class Resource(Publishable):
    """A report, book, video, tool or organisation worth a reader's time, curated by editors."""

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REPORT)
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=255, unique=True, blank=True)
    url = models.URLField("address", max_length=1000)
    publisher = models.CharField(max_length=200, blank=True)
    authors = models.CharField(max_length=500, blank=True, help_text="Names, separated by commas.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    summary = models.TextField(blank=True, help_text="Why it matters, in a few sentences.")
    topics = models.ManyToManyField(Topic, blank=True, related_name="resources")
    tags = TaggableManager(blank=True, manager=SetBasedTagManager)

    link_status = models.CharField(
        max_length=10, choices=LinkStatus.choices, default=LinkStatus.UNCHECKED, editable=False
    )
    link_status_code = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    link_error = models.CharField(max_length=300, blank=True, editable=False)
    link_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    link_worked_at = models.DateTimeField(null=True, blank=True, editable=False)
    url_key = models.CharField(max_length=1000, editable=False, default="", db_index=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="wiki_resource_public_idx"),
            models.Index(fields=["kind", "title"], name="wiki_resource_kind_idx"),
            models.Index(fields=["link_checked_at"], name="wiki_resource_checked_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.title)
        self.url_key = link_key(self.url)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("wiki:resource", args=[self.slug])

    @property
    def author_list(self):
        return [name.strip() for name in self.authors.split(",") if name.strip()]

    @property
    def archived_url(self):
        """The Internet Archive's copy of the link as it was when it last worked (its newest
        copy if it never did), for readers when the link is broken. No request is made."""
        if self.link_status != LinkStatus.BROKEN:
            return None
        if self.link_worked_at:
            stamp = self.link_worked_at.astimezone(UTC).strftime("%Y%m%d%H%M%S")
            return f"https://web.archive.org/web/{stamp}/{self.url}"
        return f"https://web.archive.org/web/{self.url}"


class PageQuerySet(PublishedQuerySet):
    def urls_for(self, keys):
        """{title key: URL} for the public pages among `keys`: resolves [[links]] in one query."""
        pages = self.published().filter(title_key__in=keys).only("slug", "title_key")
        return {page.title_key: page.get_absolute_url() for page in pages}

    def linking_to(self, page):
        return self.published().filter(links__target_key=page.title_key).order_by("title")


@reversion.register(exclude=["body_html", "summary"])
class Page(Publishable):
    """A guide: a short explanatory page of the library, written in Markdown, linking other
    guides with [[Page title]] as a wiki does."""

    title = models.CharField(max_length=200)
    title_key = models.CharField(max_length=200, unique=True, editable=False)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    body = models.TextField(
        help_text="Markdown. Link another page with [[Page title]] or [[Page title|label]]."
    )
    body_html = models.TextField(editable=False, blank=True)
    summary = models.TextField(editable=False, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="pages")
    tags = TaggableManager(blank=True, manager=SetBasedTagManager)
    # History keeps no tags of its own (django-reversion skips taggit's relation), so each
    # version carries their names; None in versions saved before there was this field.
    tag_names = models.JSONField(null=True, blank=True, editable=False)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = "guide"
        indexes = [models.Index(fields=["status", "publish_at"], name="wiki_page_public_idx")]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        # title_key is not on the form, so its unique constraint would only fail at save.
        taken = Page._base_manager.filter(title_key=markup.title_key(self.title or ""))
        if taken.exclude(pk=self.pk).exists():
            raise ValidationError({"title": "Another page already has this title."})

    def save(self, *args, **kwargs):
        self.title_key = markup.title_key(self.title)
        self.body_html, keys = markup.render(self.body)
        self.summary = excerpt(self.body_html, words=40)
        if not self.slug:
            self.slug = unique_slug(self, self.title)
        super().save(*args, **kwargs)
        PageLink.objects.filter(source=self).exclude(target_key__in=keys).delete()
        PageLink.objects.bulk_create(
            [PageLink(source=self, target_key=key) for key in keys], ignore_conflicts=True
        )

    def record_tags(self):
        """Store the tags just set, in the record and in the revision being saved, if any."""
        names = sorted(self.tags.names(), key=str.casefold)
        if names != self.tag_names:
            self.tag_names = names
            Page.objects.filter(pk=self.pk).update(tag_names=names)
            if reversion.is_active():
                reversion.add_to_revision(self)

    def get_absolute_url(self):
        return reverse("wiki:page", args=[self.slug])


class PageLink(models.Model):
    """One [[link]] from a page, by the target's title key: "what links here" reads these."""

    source = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="links")
    target_key = models.CharField(max_length=200, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target_key"], name="wiki_pagelink_unique")
        ]

    def __str__(self):
        return f"{self.source} → [[{self.target_key}]]"


class Citation(models.Model):
    """A blog post whose body links to a resource; kept current when either is saved."""

    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE, related_name="citations")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="citations")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "resource"], name="wiki_citation_unique")
        ]

    def __str__(self):
        return f"{self.post} cites {self.resource}"
