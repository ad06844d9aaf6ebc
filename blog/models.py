import functools
import re

import reversion
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, models
from django.db.models import Count, Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import (
    Resolver404,
    get_resolver,
    get_script_prefix,
    resolve,
    reverse,
    reverse_lazy,
)
from django.utils import timezone
from django_prose_editor.fields import ProseEditorField
from imagekit.models import ImageSpecField
from taggit.managers import TaggableManager
from taggit.models import Tag

from competencyworks.html import excerpt, sanitise
from competencyworks.images import CleanImageField, fit, focal_fill, renditions
from competencyworks.inline_rows import InlineRowsIterable, JSONRows, cache_related
from competencyworks.publishing import (
    Publishable,
    PublishedQuerySet,
    Stamped,
    Status,
    unique_slug,
)
from competencyworks.tagging import SetBasedTagManager

# The editor offers what the sanitiser keeps; the sanitiser on save is what counts.
BODY_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    # The figure dialog's "Browse..." opens the media library's picker (upload or choose).
    "Figure": {"pickerUrl": reverse_lazy("admin:medialibrary_image_choose")},
    "Caption": True,
    "Image": True,
    "HTML": True,
}

# What the post route's <slug:slug> takes; any other slug is left to reverse() to refuse.
ROUTABLE_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


@functools.lru_cache(maxsize=8)
def post_address(resolver, script_prefix):
    """A post's address as a format string, reversed once per URL configuration and prefix:
    reversing the route for each post cost an import more than the rest of its address work."""
    sample = reverse("blog:post", args=[1999, "12", "31", "slug"])
    if not sample.endswith("/1999/12/31/slug/"):
        raise ImproperlyConfigured(f"The post route no longer ends in its date and slug: {sample}")
    prefix = sample.removesuffix("/1999/12/31/slug/").replace("{", "{{").replace("}", "}}")
    return prefix + "/{year}/{month:02}/{day:02}/{slug}/"


class Section(models.Model):
    """A part of the blog with its own listing and feed (K-12, Higher Education)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("blog:section", args=[self.slug])


class Author(Stamped):
    """A byline. Imported archive posts may have none; a staff account is optional."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    bio = models.TextField(blank=True)
    photo = CleanImageField(upload_to="authors/", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("blog:author", args=[self.slug])


class SeriesQuerySet(models.QuerySet):
    def with_published_parts(self):
        """Series that have public posts, with their count and latest date."""
        public = Q(posts__status=Status.PUBLISHED, posts__publish_at__lte=timezone.now())
        return (
            self.annotate(
                part_count=Count("posts", filter=public),
                latest_at=Max("posts__publish_at", filter=public),
            )
            .filter(part_count__gt=0)
            .order_by("-latest_at")
        )


class Series(Stamped):
    """Posts meant to be read in order; each post carries its part number."""

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=300, unique=True, blank=True)
    description = models.TextField(blank=True)
    planned_parts = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many parts the series will have, when known."
    )
    import_key = models.CharField(
        max_length=255, null=True, blank=True, unique=True, editable=False,
        help_text="The series name as imports recognize it, so renaming keeps re-imports here.",
    )  # fmt: skip

    objects = SeriesQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "series"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("blog:series", args=[self.slug])


def bylines_prefetch():
    return Prefetch("bylines", queryset=Byline.objects.select_related("author"))


def field_values(instance):
    """The instance's loaded column values (deferred ones are absent: None)."""
    loaded = instance.__dict__
    return tuple(loaded.get(field.attname) for field in instance._meta.concrete_fields)


def post_content_type_id():
    return ContentType.objects.get_for_model(Post).pk


class PostQuerySet(PublishedQuerySet):
    def for_cards(self):
        """What a post card shows: section, series, ordered authors and tags, in one query.

        The body is left out: a card shows the stored summary.
        """
        return self.select_related("section", "series").defer("body").with_bylines_and_tags()

    def with_bylines_and_tags(self):
        """Bylines and tags read as JSON columns of the same query, cached as if prefetched
        (competencyworks/inline_rows.py): one query where a prefetch takes three."""
        posts = self.annotate(
            inline_bylines=JSONRows(
                ["b.position", "b.id", "a.id", "a.name", "a.slug", "a.bio", "a.photo"],
                "blog_byline b JOIN blog_author a ON a.id = b.author_id WHERE b.post_id = {outer}",
            ),
            inline_tags=JSONRows(
                ["ti.id", "t.id", "t.name", "t.slug"],
                "taggit_taggeditem ti JOIN taggit_tag t ON t.id = ti.tag_id"
                " WHERE ti.content_type_id = %s AND ti.object_id = {outer}",
                [post_content_type_id()],
            ),
        )
        posts._iterable_class = InlineRowsIterable
        return posts

    def with_connections(self):
        """The post's states (with the stage in force today) and library topics, read as
        JSON columns of the same query like bylines and tags; for the post page."""
        today = connection.ops.adapt_datefield_value(timezone.localdate())
        posts = self.annotate(
            inline_states=JSONRows(
                [
                    "s.id", "s.code", "s.name",
                    "(SELECT sc.stage FROM policy_stagechange sc WHERE sc.state_id = s.id"
                    " AND sc.effective_from <= %s ORDER BY sc.effective_from DESC, sc.id DESC"
                    " LIMIT 1)",
                ],
                "blog_post_states ps JOIN policy_state s ON s.id = ps.state_id"
                " WHERE ps.post_id = {outer}",
                [today],
            ),
            inline_topics=JSONRows(
                ["t.id", "t.name", "t.slug"],
                "blog_post_topics pt JOIN wiki_topic t ON t.id = pt.topic_id"
                " WHERE pt.post_id = {outer}",
            ),
        )  # fmt: skip
        posts._iterable_class = InlineRowsIterable
        return posts

    def in_reading_order(self):
        """A series' parts as readers take them: by part number, then by date."""
        return self.order_by("series_part", "publish_at")

    def pinned(self):
        # `pinned IN (true)` rather than Django's bare `pinned`, which SQLite's planner does
        # not match to an index column: the query then reads only pinned rows of the index.
        return self.filter(pinned__in=[True])

    def latest_by_section(self, count):
        """[(section, its `count` newest posts)] for sections that have any.

        Each slot is one indexed lookup (section, newest first), so the cost does not grow
        with the number of posts the way a window over every post would.
        """
        newest = self.filter(section=OuterRef("pk")).order_by("-publish_at").values("pk")
        slots = {f"newest_{n}": Subquery(newest[n : n + 1]) for n in range(count)}
        sections = list(Section.objects.annotate(**slots))
        posts = self.in_bulk([getattr(s, slot) for s in sections for slot in slots])
        by_section = [
            (section, [posts[pk] for slot in slots if (pk := getattr(section, slot)) in posts])
            for section in sections
        ]
        return [(section, section_posts) for section, section_posts in by_section if section_posts]

    def related_to(self, post, count=3, candidates=1000, finalists=30):
        """The published posts sharing the most tags with `post`, newest first among equals,
        leaving out the other parts of its series (the series box lists them).

        Only the `candidates` most recent tag rows on those tags (shared among the tags) are
        counted, so a tag on tens of thousands of posts costs no more than a rare one; the
        `finalists` posts sharing the most among them are then checked and ranked here.
        """
        tag_ids = [tag.pk for tag in post.tags.all()]
        if not tag_ids:
            return []
        # Each tag's newest rows, walked backwards along the tag's index (no sort of all of
        # them), then counted per post. Written out: Django takes longer to compile this
        # nesting than the database to run it.
        per_tag = max(candidates // len(tag_ids), 1)
        newest_rows = " UNION ALL ".join(
            f"SELECT * FROM (SELECT object_id FROM taggit_taggeditem WHERE tag_id = %s"
            f" AND content_type_id = %s AND object_id <> %s ORDER BY id DESC LIMIT {per_tag})"
            f" AS tag_{n}"
            for n in range(len(tag_ids))
        )
        finalists = self.raw(
            f"""
            SELECT p.id, p.title, p.slug, p.status, p.publish_at, p.created_at, p.series_id,
                   counted.shared AS shared_tags
            FROM (
                SELECT recent.object_id, COUNT(*) AS shared
                FROM ({newest_rows}) AS recent
                GROUP BY recent.object_id
                ORDER BY shared DESC, recent.object_id DESC LIMIT %s
            ) AS counted
            JOIN blog_post p ON p.id = counted.object_id
            """,
            [
                *(
                    param
                    for tag_id in tag_ids
                    for param in (tag_id, post_content_type_id(), post.pk)
                ),
                finalists,
            ],
        )
        # Publication is checked here rather than in SQL: asked there, SQLite's planner walks
        # the index of every published post instead of looking up these few rows.
        related = [
            candidate
            for candidate in finalists
            if candidate.is_public
            and not (post.series_id and candidate.series_id == post.series_id)
        ]
        related.sort(
            key=lambda candidate: (candidate.shared_tags, candidate.publish_at), reverse=True
        )
        return related[:count]


# The import bookkeeping is kept in each version, so a restore also brings back which source
# version the content came from and a re-import of that source finds nothing new.
class ImportTracked:
    """For content an import writes and editors may change after (posts, pages)."""

    @property
    def changed_since_import(self):
        """Saved by an editor since an import last wrote it, so a re-import keeps it.

        A timestamp, not a fingerprint: every editor path (the change form, list actions,
        renumbering parts, restoring from History) ends in save(), which moves updated_at on.
        """
        return self.imported_at is None or self.updated_at > self.imported_at


@reversion.register(follow=["bylines"], exclude=["summary"])
class Post(ImportTracked, Publishable):
    """A blog post. Editors write it in the admin; staff also import archives into it."""

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="posts")
    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=255,
        unique=True,
        blank=True,
        help_text="The last part of the address. Changing it keeps the old address working.",
    )
    authors = models.ManyToManyField(Author, through="Byline", related_name="posts", blank=True)
    body = ProseEditorField(extensions=BODY_EDITOR_EXTENSIONS, sanitize=sanitise, blank=True)
    excerpt = models.TextField(
        blank=True, help_text="Shown in lists and feeds. Empty: the opening of the body."
    )
    summary = models.TextField(editable=False, blank=True)

    image = CleanImageField(
        "featured image",
        upload_to="blog/%Y/%m/",
        max_length=255,  # holds a library image's path, which may be this long
        blank=True,
        width_field="image_width",
        height_field="image_height",
    )
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_alt = models.CharField(
        "image alt text", max_length=300, blank=True, help_text="What the image shows."
    )
    image_caption = models.CharField(max_length=500, blank=True)
    image_credit = models.CharField(max_length=300, blank=True)
    # The featured image as a library item; saving the post copies its file and focal point
    # into the fields above, which pages, feeds and imports read (see use_featured_image).
    featured_image = models.ForeignKey(
        "medialibrary.Image",
        verbose_name="from the media library",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="featured_in",
        help_text="Choose an image from the library, or upload a new one above.",
    )
    image_focal_x = models.PositiveSmallIntegerField(default=50, editable=False)
    image_focal_y = models.PositiveSmallIntegerField(default=50, editable=False)
    image_card = ImageSpecField(
        source="image", spec=focal_fill(640, 360, format="JPEG", options={"quality": 80})
    )
    image_large = ImageSpecField(
        source="image", processors=fit(1280, 1280), format="JPEG", options={"quality": 85}
    )
    image_social = ImageSpecField(
        source="image", spec=focal_fill(1200, 630, format="JPEG", options={"quality": 85})
    )

    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    series_part = models.PositiveSmallIntegerField(null=True, blank=True)
    tags = TaggableManager(blank=True, manager=SetBasedTagManager)
    states = models.ManyToManyField(
        "policy.State", blank=True, related_name="posts",
        help_text="The states whose policy this post discusses.",
    )  # fmt: skip
    topics = models.ManyToManyField(
        "wiki.Topic", blank=True, related_name="posts",
        help_text="Library topics this post belongs with.",
    )  # fmt: skip

    crosspost_publisher = models.CharField("originally published by", max_length=200, blank=True)
    crosspost_url = models.URLField("original URL", max_length=500, blank=True)
    crosspost_date = models.DateField("originally published on", null=True, blank=True)

    pinned = models.BooleanField(
        default=False, help_text="Pinned posts come first on the blog's front page."
    )
    excerpt_only = models.BooleanField(
        default=False, help_text="The archive held only the opening of this post."
    )
    image_source_url = models.URLField(
        "image at the old site", max_length=500, blank=True,
        help_text="Where an imported post's featured image lived; upload it to show it here.",
    )  # fmt: skip
    import_key = models.CharField(
        max_length=255, null=True, blank=True, unique=True, editable=False,
        help_text="Stable id of the imported source, so re-imports update this post.",
    )  # fmt: skip
    import_digest = models.CharField(max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When an import last wrote this post; a save moves updated_at past it.",
    )  # fmt: skip

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        get_latest_by = "publish_at"
        indexes = [
            models.Index(fields=["status", "-publish_at"], name="blog_post_public_idx"),
            # Equal on section and status, so SQLite's planner prefers these to the public
            # index above (which would walk every published post) with or without statistics.
            models.Index(fields=["section", "status", "-publish_at"], name="blog_post_section_idx"),
            models.Index(fields=["series", "status", "publish_at"], name="blog_post_series_idx"),
            models.Index(fields=["-updated_at"], name="blog_post_updated_idx"),
            # The list's pinned query reads just the pinned posts (see PostQuerySet.pinned).
            models.Index(fields=["status", "pinned", "-publish_at"], name="blog_post_pinned_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "series_part"],
                condition=Q(series__isnull=False, series_part__isnull=False),
                name="blog_post_unique_series_part",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.prepare_content()
        if not self.slug:
            self.slug = unique_slug(self, self.title)
        refocused = self.use_featured_image()
        super().save(*args, **kwargs)
        if refocused:
            for rendition in renditions(self.image):
                rendition.generate(force=True)

    def use_featured_image(self):
        """Copy the chosen library image's file and focal point; its alt text, caption and
        credit fill the post's blank ones. True when only the focal point moved, so the crops
        must be made again (a new file makes them anyway)."""
        image = self.featured_image
        if image is None:
            return False
        refocused = self.image.name == image.file.name and self.focal_point != image.focal_point
        if self.image.name != image.file.name:
            self.image = image.file.name  # (the field reads its size)
        self.image_focal_x, self.image_focal_y = image.focal_point
        for field, value in [
            ("image_alt", image.alt),
            ("image_caption", image.caption),
            ("image_credit", image.credit),
        ]:
            if not getattr(self, field):
                setattr(self, field, value)
        return refocused

    @property
    def focal_point(self):
        return (self.image_focal_x, self.image_focal_y)

    def prepare_content(self):
        """Sanitise the body and derive the summary; bulk imports call this too."""
        self.body = sanitise(self.body)
        self.summary = self.excerpt.strip() or excerpt(self.body)

    @property
    def date(self):
        """The date in the post's address; drafts use the day they were started."""
        return timezone.localdate(self.publish_at or self.created_at or timezone.now())

    def get_absolute_url(self):
        day = self.date
        if not ROUTABLE_SLUG.fullmatch(self.slug):
            return reverse(
                "blog:post", args=[day.year, f"{day.month:02}", f"{day.day:02}", self.slug]
            )
        address = post_address(get_resolver(), get_script_prefix())
        return address.format(year=day.year, month=day.month, day=day.day, slug=self.slug)

    @property
    def ordered_authors(self):
        return [byline.author for byline in self.bylines.all()]

    def attach_inline_rows(self):
        """Bylines and tags read by `with_bylines_and_tags()`, cached as if prefetched."""
        db = self._state.db
        byline_rows = sorted(map(tuple, self.__dict__.pop("inline_bylines")))
        tag_rows = sorted(map(tuple, self.__dict__.pop("inline_tags")))
        self.inline_rows = (tuple(byline_rows), tuple(tag_rows))
        bylines = []
        for position, byline_id, author_id, *author_fields in byline_rows:
            author = Author.from_db(
                db, ["id", "name", "slug", "bio", "photo"], [author_id, *author_fields]
            )
            byline = Byline.from_db(
                db,
                ["id", "post_id", "author_id", "position"],
                [byline_id, self.pk, author_id, position],
            )
            byline._state.fields_cache.update(author=author, post=self)
            bylines.append(byline)
        cache_related(self, "bylines", Byline, bylines)
        tags = [Tag.from_db(db, ["id", "name", "slug"], row[1:]) for row in tag_rows]
        cache_related(self, "tags", Tag, tags)
        if "inline_states" in self.__dict__:
            self.attach_connections(db)

    def attach_connections(self, db):
        """States and topics read by `with_connections()`, cached as if prefetched; each
        state carries `stage`, the stage in force today (None: not assessed)."""
        from policy.models import Stage, State
        from wiki.models import Topic

        states = []
        for state_id, code, name, stage in sorted(
            self.__dict__.pop("inline_states"), key=lambda row: row[2]
        ):
            state = State.from_db(db, ["id", "code", "name"], [state_id, code, name])
            state.stage = Stage(stage) if stage else Stage.NOT_ASSESSED
            states.append(state)
        cache_related(self, "states", State, states)
        topic_rows = sorted(self.__dict__.pop("inline_topics"), key=lambda row: row[1])
        topics = [Topic.from_db(db, ["id", "name", "slug"], row) for row in topic_rows]
        cache_related(self, "topics", Topic, topics)

    @property
    def card_key(self):
        """Everything a card can show (the post's loaded fields, its section, series, bylines
        and tags), so a remembered card is a new one as soon as any of it changes."""
        if not hasattr(self, "inline_rows"):
            return None  # not read by with_bylines_and_tags(): rendered afresh
        return (
            field_values(self),
            field_values(self.section),
            self.series_id and field_values(self.series),
            self.inline_rows,
        )

    @property
    def canonical_url(self):
        """A cross-post points search engines at the original."""
        return self.crosspost_url or None


@reversion.register()
class Byline(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "author"], name="blog_byline_unique_author"),
        ]

    def __str__(self):
        return f"{self.author} on {self.post}"


@receiver(post_save, sender="medialibrary.Image", dispatch_uid="featured_images_follow_library")
def featured_images_follow_library(sender, instance, created, **kwargs):
    """A library image's new file or focal point reaches the posts it is the featured image of."""
    if created:
        return
    stale = instance.featured_in.exclude(
        image=instance.file.name, image_focal_x=instance.focal_x, image_focal_y=instance.focal_y
    )
    for post in stale:
        post.featured_image = instance
        post.save()


class ImportedMedia(models.Model):
    """An image an import downloaded from the old site, stored as the site's own.

    Imported featured images and body images point at `file`; a re-import finds the old
    address here, so each image is downloaded once however often the archive is imported.
    """

    source_url = models.URLField("address at the old site", max_length=2000, unique=True)
    file = models.FileField(upload_to="blog/imported/%Y/%m/", max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "imported media"

    def __str__(self):
        return self.source_url


class SitePageQuerySet(PublishedQuerySet):
    def links(self):
        """{"navigation": [(title, url)], "footer": [...]}: the public pages editors placed
        there, in their order, in one query."""
        links = {"navigation": [], "footer": []}
        placed = self.published().exclude(show_in=SitePage.ShowIn.NONE)
        for page in placed.only("title", "slug", "show_in"):
            links[page.show_in].append((page.title, page.get_absolute_url()))
        return links


def address_taken(slug):
    """/slug/ already answers as another part of the site (the blog, search, the admin)."""
    try:
        return resolve(f"/{slug}/").url_name != "site-page"
    except Resolver404:
        return False


@reversion.register(exclude=["summary"])
class SitePage(ImportTracked, Publishable):
    """A standing page of the site (About, Contact, Newsletter), at /<slug>/."""

    class ShowIn(models.TextChoices):
        NONE = "none", "Nowhere (linked by hand)"
        NAVIGATION = "navigation", "Main navigation"
        FOOTER = "footer", "Footer"

    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=255,
        unique=True,
        blank=True,
        help_text="The address: /slug/. Changing it keeps the old address working.",
    )
    body = ProseEditorField(extensions=BODY_EDITOR_EXTENSIONS, sanitize=sanitise, blank=True)
    summary = models.TextField(editable=False, blank=True)
    show_in = models.CharField(
        "show a link in", max_length=10, choices=ShowIn.choices, default=ShowIn.NONE
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Links in the navigation and footer follow this order."
    )
    import_key = models.CharField(
        max_length=255, null=True, blank=True, unique=True, editable=False,
        help_text="Stable id of the imported source, so re-imports find it.",
    )  # fmt: skip
    import_digest = models.CharField(max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When an import last wrote this page; a save moves updated_at past it.",
    )  # fmt: skip

    objects = SitePageQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]
        verbose_name = "page"
        verbose_name_plural = "pages"

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.slug and address_taken(self.slug):
            raise ValidationError({"slug": f"/{self.slug}/ is already a part of the site."})

    def save(self, *args, **kwargs):
        self.body = sanitise(self.body)
        self.summary = excerpt(self.body)
        if not self.slug:
            self.slug = self.free_slug(self.title)
        super().save(*args, **kwargs)

    def free_slug(self, text):
        """A slug for `text` that no other page has and no other part of the site answers."""
        slug = unique_slug(self, text)
        return unique_slug(self, f"{text} page") if address_taken(slug) else slug  # "Blog"

    def get_absolute_url(self):
        return reverse("site-page", args=[self.slug])
