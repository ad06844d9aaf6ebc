import random
import time
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from blog import demo
from blog.models import Author, Byline, Post, Section, Series
from competencyworks import revisions
from competencyworks.html import excerpt
from competencyworks.publishing import Status, changes
from policy import demo as policy_demo
from wiki import demo as wiki_demo

DEMO_COMMENT = "Created with the demo content."
WORDS = [
    "learning",
    "competency",
    "mastery",
    "students",
    "teachers",
    "district",
    "school",
    "credit",
    "pathway",
    "evidence",
    "assessment",
    "feedback",
    "standards",
    "grading",
    "practice",
    "growth",
    "equity",
    "design",
    "pilot",
    "policy",
    "state",
    "college",
    "program",
    "outcome",
    "portfolio",
    "project",
    "reflection",
    "coaching",
    "schedule",
    "flexible",
    "pace",
    "personalized",
    "culture",
    "community",
    "family",
    "transcript",
    "graduation",
    "rubric",
    "target",
    "skill",
    "agency",
]


class Command(BaseCommand):
    help = (
        "Load the demo content of the blog and the wiki (idempotent). With --posts N, also add "
        "N synthetic published posts with authors, tags and series, in bulk, for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=0, help="synthetic posts to add")
        parser.add_argument("--seed", type=int, default=1, help="random seed for synthetic data")

    def handle(self, *args, posts, seed, **options):
        if posts < 0:
            raise CommandError("--posts must be zero or more.")
        with transaction.atomic():
            created = self.load_demo()
            demo.load_site_pages(DEMO_COMMENT)
            resources = wiki_demo.load(DEMO_COMMENT)
            entries = policy_demo.load(DEMO_COMMENT)
        self.stdout.write(
            f"Demo content: {len(created)} post(s), {resources} resource(s) and {entries} policy "
            "entries created."
        )
        if posts:
            started = time.perf_counter()
            post_ids = self.add_synthetic(posts, random.Random(seed))
            self.record_revisions(post_ids)
            changes.changed(Post, post_ids)  # bulk writes send no signals
            with connection.cursor() as cursor:
                # Fresh statistics so the planner picks the right indexes after a bulk load;
                # on PostgreSQL also reclaim the rows the search-vector update replaced.
                vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
                cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
            elapsed = time.perf_counter() - started
            self.stdout.write(
                self.style.SUCCESS(f"Added {posts} synthetic posts in {elapsed:.1f}s.")
            )

    def load_demo(self):
        sections = {section.slug: section for section in Section.objects.all()}
        authors = {}
        for name, bio in demo.AUTHORS:
            authors[name], _ = Author.objects.get_or_create(name=name, defaults={"bio": bio})
        series, _ = Series.objects.get_or_create(slug=demo.SERIES["slug"], defaults=demo.SERIES)
        created = []
        for key, section, title, names, tags, days, paragraphs, extra in demo.POSTS:
            extra = dict(extra)
            crosspost_days = extra.pop("crosspost_days_ago", None)
            if crosspost_days:
                extra["crosspost_date"] = demo.days_ago(crosspost_days)
            if "series_part" in extra:
                extra["series"] = series
            created += self.demo_post(
                key, sections[section], title, [authors[n] for n in names], tags, paragraphs,
                status=Status.PUBLISHED, publish_at=timezone.now() - timedelta(days=days), **extra,
            )  # fmt: skip
        upcoming = [(demo.SCHEDULED, Status.PUBLISHED, 10), (demo.DRAFT, Status.DRAFT, None)]
        for entry, status, offset in upcoming:
            key, section, title, names, tags, paragraphs = entry
            publish_at = timezone.now() + timedelta(days=offset) if offset else None
            created += self.demo_post(
                key, sections[section], title, [authors[n] for n in names], tags, paragraphs,
                status=status, publish_at=publish_at,
            )  # fmt: skip
        demo.add_pictures(created, authors.values())
        self.record_revisions([post.pk for post in created])
        return created

    def record_revisions(self, post_ids, batch=2000):
        """A first revision of each post, so History can always bring it back."""
        for start in range(0, len(post_ids), batch):
            posts = Post.objects.filter(pk__in=post_ids[start : start + batch])
            revisions.record_revisions(posts.prefetch_related("bylines"), DEMO_COMMENT)

    def demo_post(self, key, section, title, authors, tags, paragraphs, **fields):
        body = "".join(p if p.startswith("<") else f"<p>{p}</p>" for p in paragraphs)
        post, created = Post.objects.get_or_create(
            import_key=f"demo:{key}",
            defaults={"section": section, "title": title, "body": body, **fields},
        )
        if not created:
            return []
        for position, author in enumerate(authors):
            Byline.objects.create(post=post, author=author, position=position)
        post.tags.set(tags)
        return [post]

    def add_synthetic(self, count, rng):
        run = timezone.now().strftime("%Y%m%d%H%M%S")
        sections = list(Section.objects.all())
        authors = Author.objects.bulk_create(
            [Author(name=f"Writer {run}-{i}", slug=f"writer-{run}-{i}") for i in range(40)]
        )
        tags = []
        for i in range(80):
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}"
            tags.append(Tag(name=name, slug=slugify(f"{name}-{run}")))
        tags = Tag.objects.bulk_create(tags)
        series_list = Series.objects.bulk_create(
            [
                Series(title=f"Series {run}-{i}", slug=f"series-{run}-{i}", planned_parts=4)
                for i in range(max(1, count // 40))
            ]
        )
        post_type = ContentType.objects.get_for_model(Post)
        now = timezone.now()
        batch = 2000
        created_ids = []
        for start in range(0, count, batch):
            posts = []
            for i in range(start, min(count, start + batch)):
                title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
                body = "".join(
                    "<p>" + " ".join(rng.choice(WORDS) for _ in range(60)) + ".</p>"
                    for _ in range(4)
                )
                in_series = i % 10 == 0
                posts.append(
                    Post(
                        section=sections[i % len(sections)],
                        title=title,
                        slug=f"{slugify(title)[:200]}-{run}-{i}",
                        body=body,
                        summary=excerpt(body),
                        status=Status.PUBLISHED,
                        publish_at=now - timedelta(hours=i * 3 + 1),
                        series=series_list[(i // 10) % len(series_list)] if in_series else None,
                        series_part=(i // 10) // len(series_list) + 1 if in_series else None,
                    )
                )
            with transaction.atomic():
                posts = Post.objects.bulk_create(posts)
                created_ids.extend(post.pk for post in posts)
                Byline.objects.bulk_create(
                    Byline(post=post, author=rng.choice(authors), position=0) for post in posts
                )
                TaggedItem.objects.bulk_create(
                    TaggedItem(tag=tag, content_type=post_type, object_id=post.pk)
                    for post in posts
                    for tag in rng.sample(tags, 3)
                )
            self.stdout.write(f"  {min(count, start + batch)}/{count}", ending="\r")
        self.stdout.write("")
        return created_ids
