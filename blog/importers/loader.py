"""Writes parsed records as posts, in batches, so a re-run changes only what changed.

Each record carries a stable import key and a digest of its content: an unknown key makes
a post, a known key with a new digest updates that post, an equal digest leaves it alone.
A post saved on this site since its import is a conflict: it stays as it is here unless the
run overwrites, which first makes sure that version is in History. Every post written gets
a revision, so History can always bring back what an import wrote.
"""

import hashlib
from array import array
from collections import Counter
from datetime import UTC, datetime
from itertools import groupby, islice
from operator import attrgetter

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from blog.importers import detect
from blog.importers.media import MediaImporter
from blog.importers.records import ready
from blog.models import Author, Byline, Post, Section, Series, SitePage
from competencyworks import revisions
from competencyworks.bulk import insert, insert_rows, new_instance
from competencyworks.html import HREF, link_key
from competencyworks.models import MovedPage
from competencyworks.publishing import SLUG_TRIES, Status, changes, unique_slug
from competencyworks.search import index as search_index
from competencyworks.text import clean_fields, xml_text

BATCH_SIZE = 500
PAGE_CONFLICT = (
    "changed on this site since it was imported, and the source changed too: kept as it is "
    "here (--overwrite takes the source's version)"
)
POST_FIELDS = [
    "section", "title", "slug", "body", "excerpt", "summary", "status", "publish_at", "pinned",
    "series", "series_part", "crosspost_publisher", "crosspost_url", "crosspost_date",
    "excerpt_only", "image", "image_width", "image_height", "image_alt", "image_caption",
    "image_credit", "image_source_url", "featured_image", "import_digest", "updated_at",
    "imported_at",
]  # fmt: skip
# The fields a conflict compares to say what the source changed since it was last imported.
COMPARED_FIELDS = [
    "section_id", "title", "body", "excerpt", "status", "publish_at", "pinned", "series_id",
    "series_part", "crosspost_publisher", "crosspost_url", "crosspost_date", "excerpt_only",
    "image_alt", "image_caption", "image_source_url",
]  # fmt: skip
IMPORTED_FROM = "Imported from "


def batched(items, size):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def prefetched(obj, name, items):
    """Give `obj` its related `name` rows as prefetch_related() does: reading them is free.

    The queryset is the related model's own, unfiltered: the related manager's, filtered to
    `obj`, cost about 0.1 ms per post to build."""
    rows = obj._meta.get_field(name).related_model._default_manager.get_queryset()
    rows._result_cache, rows._prefetch_done = items, True
    if not hasattr(obj, "_prefetched_objects_cache"):
        obj._prefetched_objects_cache = {}
    obj._prefetched_objects_cache[name] = rows


def slugs_in_use(slugs):
    if not slugs:
        return set()
    return set(Post.objects.filter(slug__in=slugs).values_list("slug", flat=True))


def numbered_slugs_in_use(base):
    return set(Post.objects.filter(slug__startswith=f"{base}-").values_list("slug", flat=True))


def same_value(stored, value):
    """Datetimes in History are kept to the millisecond."""
    if isinstance(value, datetime):
        value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    return stored == value


def short_hash(text):
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


def by_lowercased_name(queryset):
    """{lowercased name: row} of every row, the oldest of names that differ only in case.

    Matched here rather than by the database: SQLite's case-insensitive match knows only ASCII
    letters (an existing "Élan" was missed and made again, which a tag's unique name refuses),
    and one query a run costs less than one for each new name."""
    rows = {}
    for row in queryset.order_by("pk").iterator():
        rows.setdefault(row.name.lower(), row)
    return rows


class Loader:
    """Per run it keeps only small fixed-size facts per post (hashes and ids), so memory
    stays near flat however large the export; report entries go to `on_post` as they come.
    """

    def __init__(self, default_section, on_post=None, media=None, overwrite=False, committing=True):
        self.default_section = default_section
        self.on_post = on_post
        self.overwrite = overwrite  # posts changed here since their import take the source's
        self.committing = committing  # False for a dry run: nothing follows its rollback
        self.media = media or MediaImporter(fetch=False)
        self.sections = {section.slug: section for section in Section.objects.all()}
        self.post_type = ContentType.objects.get_for_model(Post)
        self.series = {}  # import key -> Series
        self.series_parts = {}  # series id -> {part: post import key}
        self.stated_names = Counter()  # short hash of a series key -> posts naming it untitled
        self.title_stems = set()  # short hashes of the series keys of title stems
        self.by_name = {}  # Author or Tag -> {lowercased name: row}, read when first needed
        self.seen_keys = set()  # short hashes of import keys, to catch one post twice in a run
        self.post_ids_by_link = {}  # short hash of link_key(old permalink) -> post id
        self.written_ids = array("q")
        self.written_revisions = array("q")  # per written post, the revision of its import
        self.relinked = set()  # ids of written posts whose bodies finish() changed
        self.files = []
        self.counts = Counter()
        self.skipped = []
        self.conflicting = set()  # ids of this batch's records whose post was saved here

    def load(self, records, file_name):
        """Write records; yields after each batch with how many records it held."""
        self.files.append(file_name)
        for batch in batched(records, BATCH_SIZE):
            # Pages are few and written one by one, in source order with the posts.
            for kind, run in groupby(batch, key=attrgetter("kind")):
                if kind == "page":
                    for record in run:
                        self.load_page(record)
                else:
                    self.load_batch(list(run))
            yield len(batch)

    def finish(self):
        self.rewrite_internal_links()
        self.link_parts()
        self.revise_relinked()

    def skip(self, source, title, reason):
        self.skipped.append({"source": source, "title": title, "reason": reason})
        self.counts["skipped"] += 1

    def load_batch(self, records):
        for record in records:
            ready(record)
        keys = [record.import_key for record in records]
        self.note_series_names(records)
        found = Post.objects.filter(import_key__in=keys).select_related("section", "series")
        existing = {post.import_key: post for post in found}
        changed = []  # (post, record, address before the change or None)
        unchanged = []  # (post, record)
        edited = []  # (post, record, digest): saved here since its import; the source changed
        for record in records:
            key_hash = short_hash(record.import_key)
            if key_hash in self.seen_keys:
                self.skip(record.source, record.title, "the same post appeared earlier in this run")
                continue
            self.seen_keys.add(key_hash)
            digest = record.digest()
            post = existing.get(record.import_key)
            if post is not None and post.import_digest == digest:
                unchanged.append((post, record))
                continue
            if post is not None and post.changed_since_import:
                edited.append((post, record, digest))
                if not self.overwrite:
                    continue
            old_url = post.get_absolute_url() if post is not None and post.is_public else None
            post = post or new_instance(Post, import_key=record.import_key)
            self.fill(post, record, digest)
            changed.append((post, record, old_url))
        self.settle_conflicts(edited)
        self.assign_slugs([(post, record) for post, record, _ in changed])
        from_source = [post for post, _, _ in changed]
        # What the import writes is the baseline a later save on this site moves on from, so
        # both times are the same, written as given (not auto_now's own later moment). An
        # image stored later for an unchanged post leaves that baseline as it was.
        now = timezone.now()
        for post in from_source:
            post.updated_at = post.imported_at = now
        changed += self.add_images(changed, unchanged)
        new_posts = [post for post, _, _ in changed if post.pk is None]
        updated_posts = [post for post, _, _ in changed if post.pk is not None]
        insert(new_posts, as_given=["updated_at"])
        Post.objects.bulk_update(updated_posts, POST_FIELDS)
        tags = self.write_relations(
            [(post, record) for post, record, _ in changed], [post.pk for post in updated_posts]
        )
        # Search documents, citations and the page cache follow after the run commits; the
        # documents' vectors are computed meanwhile, by a second session.
        changes.changed(Post, [post.pk for post, _, _ in changed])
        if self.committing:
            search_index.compute_ahead(Post, [(post, tags[post.pk]) for post, _, _ in changed])
        urls = {id(post): post.get_absolute_url() for post, _, _ in changed}
        self.write_redirects(changed, urls)
        created = {id(post) for post in new_posts}
        for post, record, _ in changed:
            action = "created" if id(post) in created else "updated"
            self.remember(post, record, action, urls[id(post)])
        # History: a revision of each post as written, from the posts in hand (with their
        # bylines), dated in UTC as a read from the database would give them; finish()
        # rewrites those of posts whose links it changes.
        for post, _, _ in changed:
            if post.publish_at is not None:
                post.publish_at = post.publish_at.astimezone(UTC)
        made = revisions.record_revisions(
            [post for post, _, _ in changed], IMPORTED_FROM + self.files[-1]
        )
        self.written_ids.extend(post.pk for post, _, _ in changed)
        self.written_revisions.extend(revision.pk for revision in made)

    def load_page(self, record):
        """A WordPress page becomes one of the site's pages, at /its-slug/ whatever its parent
        was; its old address redirects. Editors choose where it is linked."""
        digest = ready(record).digest()
        page = SitePage.objects.filter(import_key=record.import_key).first()
        warnings = list(record.warnings)
        if page is not None and page.import_digest == digest:
            action = "unchanged"
        elif page is not None and page.changed_since_import and not self.overwrite:
            action = "conflict"
            self.counts["conflicts"] += 1
            warnings.insert(0, PAGE_CONFLICT)
        else:
            if page is not None and page.changed_since_import and not revisions.in_history(page):
                revisions.record_revisions([page], f"Before the import from {self.files[-1]}")
            action = "updated" if page else "created"
            page = page or SitePage(import_key=record.import_key)
            page.title, page.body, page.import_digest = record.title[:300], record.body, digest
            page.status, page.publish_at = record.status, record.published_at
            if not page.slug:
                page.slug = page.free_slug(record.slug or record.title)
            page.save()
            url = page.get_absolute_url()
            MovedPage.record_many([(path, url, page, True) for path in record.old_paths])
            SitePage.objects.filter(pk=page.pk).update(imported_at=F("updated_at"))
            revisions.record_revisions([page], IMPORTED_FROM + self.files[-1])
        self.counts["pages"] += 1
        self.counts["warnings"] += len(warnings)
        if self.on_post is not None:
            self.on_post(
                {
                    "type": "page",
                    "title": page.title,
                    "slug": page.slug,
                    "url": page.get_absolute_url(),
                    "status": page.visibility,
                    "action": action,
                    "conflict": action == "conflict",
                    "source": record.source,
                    "date": page.publish_at.isoformat() if page.publish_at else None,
                    "images": {"stored": [], "elsewhere": []},
                    "warnings": warnings,
                }
            )

    def settle_conflicts(self, edited):
        """Warn of each post saved here since its import whose source changed too, naming
        what the source changed. Overwriting, first give each post's current state a
        revision unless its latest version in History holds it; else keep the post as is."""
        self.conflicting = {id(record) for _, record, _ in edited}
        if not edited:
            return
        if self.overwrite:
            current = Post.objects.filter(pk__in=[post.pk for post, _, _ in edited])
            revisions.record_revisions(
                [p for p in current.prefetch_related("bylines") if not revisions.in_history(p)],
                f"Before the import from {self.files[-1]}",
            )
        imported = {}  # post id -> its field values as an import last wrote them
        versions = revisions.Version.objects.get_for_model(Post).filter(
            object_id__in=[str(post.pk) for post, _, _ in edited],
            revision__comment__startswith=IMPORTED_FROM,
        )
        for version in versions.order_by("pk"):
            imported[int(version.object_id)] = version.field_dict
        for post, record, digest in edited:
            source = post
            if not self.overwrite:
                source = Post(pk=post.pk, import_key=post.import_key)
                self.fill(source, record, digest)
            before = imported.get(post.pk, {})
            changes = [
                name.removesuffix("_id")
                for name in COMPARED_FIELDS
                if name in before and not same_value(before[name], getattr(source, name))
            ]
            what = ", ".join(changes) or "authors or tags"
            if self.overwrite:
                outcome = "replaced by the source's version; this site's is in History"
            else:
                outcome = "kept as it is here (--overwrite takes the source's version)"
            record.warnings.insert(
                0, f"changed on this site since it was imported, and the source changed its "
                f"{what}: {outcome}",
            )  # fmt: skip
            self.counts["conflicts"] += 1
            if not self.overwrite:
                self.remember(post, record, "conflict")

    def add_images(self, changed, unchanged):
        """Point posts at stored copies of their images, downloading what is new. Returns
        the unchanged posts this changed: their images could not be had on an earlier run."""
        pairs = [(post, record) for post, record, _ in changed] + unchanged
        self.media.store([(post, record.old_link) for post, record in pairs])
        for post, record, _ in changed:
            self.media.apply(post, record.old_link)
        now_changed = []
        for post, record in unchanged:
            if self.media.apply(post, record.old_link):
                now_changed.append((post, record, None))
            else:
                self.remember(post, record, "unchanged")
        return now_changed

    def fill(self, post, record, digest):
        post.section = self.sections.get(record.section) or self.default_section
        if record.section and record.section not in self.sections:
            record.warnings.append(f"unknown section {record.section!r}; used {post.section.slug}")
        post.title = record.title[:300]
        post.body = record.body
        post.excerpt = record.excerpt
        post.status = Status(record.status)
        post.publish_at = record.published_at
        if post.status == Status.PUBLISHED and post.publish_at is None:
            post.publish_at = timezone.now()
        post.pinned = record.pinned
        post.crosspost_publisher = record.crosspost_source[:200]
        post.crosspost_url = record.crosspost_url[:500]
        post.crosspost_date = record.crosspost_date
        post.excerpt_only = record.excerpt_only
        post.image_alt = record.image_alt[:300]
        post.image_caption = record.caption[:500]
        post.image_credit = record.credit[:300]
        post.image_source_url = record.image_url[:500]
        post.import_digest = digest
        post.series, post.series_part = self.place_in_series(post, record)
        post.prepare_content()
        clean_fields(post)  # bulk writes skip the cleaning a save does

    def note_series_names(self, records):
        """What lets a series name that is not a title stand: other posts of the run (this
        batch or before it) that name it too, or titles that share it as their stem."""
        for record in records:
            if record.series and not record.series.titled:
                self.stated_names[short_hash(record.series.key)] += 1
            if stem := detect.title_stem(record.title):
                self.title_stems.add(short_hash(detect.series_key(stem)))

    def is_shared_name(self, key):
        hashed = short_hash(key)
        return (
            self.stated_names[hashed] > 1
            or hashed in self.title_stems
            or key in self.series
            or Series.objects.filter(import_key=key).exists()
        )

    def place_in_series(self, post, record):
        ref = record.series
        if ref is None:
            return None, None
        if not ref.titled and not self.is_shared_name(ref.key):
            record.warnings.append(
                f"left out of a series: {ref.title[:80]!r} is not a series title "
                "(not capitalised or quoted) and no other post or title shares it"
            )
            return None, None
        series = self.series.get(ref.key)
        if series is None:
            series = Series.objects.filter(import_key=ref.key).first()
            if series is None:
                series = Series(title=ref.title[:300], import_key=ref.key)
                series.slug = unique_slug(series, ref.title)
                series.save()
            self.series[ref.key] = series
            self.series_parts[series.pk] = dict(
                series.posts.exclude(series_part=None).values_list("series_part", "import_key")
            )
        if ref.total and ref.total > (series.planned_parts or 0):
            series.planned_parts = ref.total
            series.save(update_fields=["planned_parts"])
        parts = self.series_parts[series.pk]
        if ref.part is None:
            return series, None
        holder = parts.get(ref.part)
        if holder not in (None, post.import_key):
            record.warnings.append(f"part {ref.part} of {series.title!r} is taken; part left empty")
            return series, None
        parts[ref.part] = post.import_key
        return series, ref.part

    def assign_slugs(self, pairs):
        """Slugs for a batch: the source's own where free, else "-2", "-3"…: one query for the
        wanted slugs, and one for numbered ones only where a wanted slug is taken."""
        wanted, taken = [], set()
        for post, record in pairs:
            base = (slugify(record.slug) or slugify(record.title) or "post")[:240].strip("-")
            if post.pk and post.slug and (post.slug == base or not record.slug):
                taken.add(post.slug)
                continue
            wanted.append((post, base))
        in_use = slugs_in_use({base for _, base in wanted})
        crowded = []
        for post, base in wanted:
            if base in in_use or base in taken:
                crowded.append((post, base))
            else:
                post.slug = base
                taken.add(base)
        numbered = {base: [f"{base}-{n}" for n in range(2, SLUG_TRIES + 1)] for _, base in crowded}
        in_use |= slugs_in_use({slug for options in numbered.values() for slug in options})
        counting = set()  # bases with more namesakes than SLUG_TRIES: all their slugs are read
        for post, base in crowded:
            free = [slug for slug in numbered[base] if slug not in in_use and slug not in taken]
            if not free:
                if base not in counting:
                    in_use |= numbered_slugs_in_use(base)
                    counting.add(base)
                number = SLUG_TRIES + 1
                while (slug := f"{base}-{number}") in in_use or slug in taken:
                    number += 1
                free = [slug]
            post.slug = free[0]
            taken.add(post.slug)

    def write_relations(self, pairs, updated_ids):
        """Bylines and tags of these posts (replacing those of updated posts); returns
        {post pk: [Tag, …]}."""
        bylines, tagged, tags = [], [], {}
        for post, record in pairs:
            made = [
                Byline(post=post, author=self.named(Author, name), position=position)
                for position, name in enumerate(dict.fromkeys(record.authors))
            ]
            prefetched(post, "bylines", made)  # its revision follows them
            bylines += made
            by_id = {tag.pk: tag for tag in (self.named(Tag, n) for n in record.tags if n.strip())}
            tagged.extend((post.pk, self.post_type.pk, tag_id) for tag_id in by_id)
            tags[post.pk] = list(by_id.values())
        # Plain SQL: thousands of link rows need no model instances, and a queryset delete
        # would send a post_delete signal per row.
        if updated_ids:
            marks = ", ".join(["%s"] * len(updated_ids))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {Byline._meta.db_table} WHERE post_id IN ({marks})", updated_ids
                )
                cursor.execute(
                    f"DELETE FROM {TaggedItem._meta.db_table} "
                    f"WHERE content_type_id = %s AND object_id IN ({marks})",
                    [self.post_type.pk, *updated_ids],
                )
        insert_rows(TaggedItem._meta.db_table, ("object_id", "content_type_id", "tag_id"), tagged)
        insert(bylines)
        return tags

    def named(self, model, name):
        """The author or tag of this name in any case; made if there is none."""
        # Cut and cleaned as a save stores it, so a re-run finds the row.
        name = xml_text(name).strip()[: model._meta.get_field("name").max_length]
        if model not in self.by_name:
            self.by_name[model] = by_lowercased_name(model.objects.all())
        rows = self.by_name[model]
        if (row := rows.get(name.lower())) is None:
            row = rows[name.lower()] = model.objects.create(name=name)
        return row

    def write_redirects(self, changed, urls):
        # Each redirect names its post, so it leads on only while the post is public.
        moves = {
            old_path[:500]: (old_path, urls[id(post)], post, True)
            for post, record, old_url in changed
            for old_path in [*record.old_paths, old_url]
            if old_path and old_path != urls[id(post)]
        }
        MovedPage.record_many(moves.values())
        self.counts["redirects"] += len(moves)

    def remember(self, post, record, action, url=None):
        images = self.media.report(post)
        if not record.authors:
            record.warnings.append("no author: the source names none")
            self.counts["without_authors"] += 1
        if record.section not in self.sections:
            self.counts["in_default_section"] += 1
        self.counts[action] += 1
        self.counts["warnings"] += len(record.warnings)
        self.counts["comments"] += record.comment_count
        self.counts["comments_approved"] += record.approved_comment_count
        if record.old_link:
            self.post_ids_by_link[short_hash(link_key(record.old_link))] = post.pk
        if self.on_post is None:
            return
        ref = record.series
        self.on_post(
            {
                "type": "post",
                "title": post.title,
                "slug": post.slug,
                "url": url or post.get_absolute_url(),
                "status": post.visibility,
                "action": action,
                "source": record.source,
                "date": post.publish_at.isoformat() if post.publish_at else None,
                "date_inferred": record.date_inferred,
                "section": post.section.slug,
                "authors": list(dict.fromkeys(record.authors)),
                "series": post.series.title if post.series else None,
                "series_part": post.series_part,
                "series_total": ref.total if ref else None,
                "crosspost_source": post.crosspost_publisher or None,
                "crosspost_date": post.crosspost_date.isoformat() if post.crosspost_date else None,
                "excerpt_only": post.excerpt_only,
                "image_alt": post.image_alt or None,
                "caption": post.image_caption or None,
                "tags": list(dict.fromkeys(record.tags)),
                "comments": record.comment_count,
                "comments_approved": record.approved_comment_count,
                "images": images,
                "warnings": list(record.warnings),
                "conflict": id(record) in self.conflicting,
            }
        )

    def revise_relinked(self):
        """The import's revision of each post whose links finish() changed holds the post as
        it stands after the run."""
        if not self.relinked:
            return
        revision_of = {
            pk: revision
            for pk, revision in zip(self.written_ids, self.written_revisions, strict=True)
            if pk in self.relinked
        }
        for ids in batched(sorted(self.relinked), BATCH_SIZE):
            posts = Post.objects.filter(pk__in=ids).prefetch_related("bylines__author")
            revisions.rewrite_versions([(revision_of[post.pk], post) for post in posts])

    def link_parts(self):
        """ "Read Part 1 here" in a post of a series links to part 1, once it is imported.

        Search documents stay as written: they hold the body's text, never its hrefs."""
        for ids in batched(self.written_ids, BATCH_SIZE):
            in_series = Post.objects.filter(pk__in=ids, series__isnull=False)
            posts = list(in_series.values_list("pk", "series_id", "body"))
            wanted = {
                (series_id, part) for _, series_id, body in posts for part in self.parts_named(body)
            }
            if not wanted:
                continue
            parts = Post.objects.published().filter(
                series_id__in={series_id for series_id, _ in wanted},
                series_part__in={part for _, part in wanted},
            )
            parts = parts.only("slug", "publish_at", "created_at", "series_id", "series_part")
            urls = {(p.series_id, p.series_part): p.get_absolute_url() for p in parts}
            linked = []
            for pk, series_id, body in posts:
                new_body = detect.link_parts(
                    body, lambda part, s=series_id, urls=urls: urls.get((s, part))
                )
                if new_body != body:
                    linked.append(Post(pk=pk, body=new_body))
            Post.objects.bulk_update(linked, ["body"])
            self.relinked.update(post.pk for post in linked)

    @staticmethod
    def parts_named(body):
        named = []
        detect.link_parts(body, lambda part: named.append(part))
        return named

    def rewrite_internal_links(self):
        """Links between imported posts point at the old site; send them to the new addresses.

        Search documents stay as written: they hold the body's text, never its hrefs."""
        if not self.post_ids_by_link:
            return
        for ids in batched(self.written_ids, BATCH_SIZE):
            with_links = Post.objects.filter(pk__in=ids, body__contains="href=")
            bodies = dict(with_links.values_list("pk", "body"))
            targets = {}  # old href -> post id
            for body in bodies.values():
                for href in HREF.findall(body):
                    if target := self.post_ids_by_link.get(short_hash(link_key(href))):
                        targets[href] = target
            if not targets:
                continue
            linked = Post.objects.filter(pk__in=set(targets.values()))
            linked = linked.only("slug", "publish_at", "created_at")
            urls = {p.pk: p.get_absolute_url() for p in linked}
            new_hrefs = {href: urls[target] for href, target in targets.items()}

            def new_href(match, new_hrefs=new_hrefs):
                return f'href="{new_hrefs.get(match[1], match[1])}"'

            rewritten = []
            for pk, body in bodies.items():
                new_body = HREF.sub(new_href, body)
                if new_body != body:
                    rewritten.append(Post(pk=pk, body=new_body))
            Post.objects.bulk_update(rewritten, ["body"])
            self.relinked.update(post.pk for post in rewritten)
            self.counts["links_rewritten"] += len(rewritten)

    def summary(self):
        return (
            {
                name: self.counts[name]
                for name in (
                    "created",
                    "updated",
                    "unchanged",
                    "skipped",
                    "conflicts",
                    "warnings",
                    "redirects",
                    "links_rewritten",
                    "without_authors",
                    "in_default_section",
                    "comments",
                    "comments_approved",
                    "pages",
                )
            }
            | {"default_section": self.default_section.slug}
            | self.media.summary()
        )
