from pathlib import Path

import reversion
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from competencyworks.publishing import Status as Publishing
from competencyworks.text import xml_text
from policy.models import Kind, PolicyEntry, State, Status, Topic
from policy.spreadsheet import SpreadsheetError, read_rows

FIELDS = [
    "title", "kind", "year", "policy_status", "summary", "identifier", "session",
    "introduced_on", "enacted_on", "effective_on",
]  # fmt: skip


class Command(BaseCommand):
    help = (
        "Add or update policy entries from a CSV spreadsheet (the columns of the site's CSV "
        "export). Every row is checked first; any bad row stops the import and nothing is "
        "written. Re-importing the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and report only")

    def handle(self, *args, path, dry_run, **options):
        text = self.read(path)
        topics = {}
        for slug, name in Topic.objects.values_list("slug", "name"):
            topics[slug] = topics[name.casefold()] = slug
        try:
            rows, notes = read_rows(
                text,
                states=set(State.objects.values_list("code", flat=True)),
                kinds=Kind.choices,
                statuses=Status.choices,
                topics=topics,
            )
        except SpreadsheetError as error:
            raise CommandError(f"{path.name}: nothing was imported.\n{error}") from None
        for note in notes:
            self.stdout.write(self.style.WARNING(note))
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        with transaction.atomic(), reversion.create_revision():
            reversion.set_comment(f"Imported from {path.name}")
            states = {state.code: state for state in State.objects.all()}
            for row in rows:
                counts[self.write(row, states[row.state])] += 1
            if dry_run:
                transaction.set_rollback(True)
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        prefix = "Dry run (nothing written). " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(f"{prefix}{summary}"))

    def read(self, path):
        if path.is_dir():
            raise CommandError(f"{path}: is a directory; name the CSV file")
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except OSError as error:
            raise CommandError(f"{path}: cannot be read: {error.strerror or error}") from None
        try:
            # Cleaned as a save would clean it, so re-importing the file changes nothing.
            return xml_text(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            raise CommandError(f"{path.name}, line {line}: not UTF-8 text") from None

    def write(self, row, state):
        entries = PolicyEntry.objects.filter(state=state)
        if row.identifier:
            entry = entries.filter(identifier=row.identifier, session=row.session).first()
        else:
            entry = entries.filter(title__iexact=row.title, year=row.year).first()
        values = {
            name: getattr(row, "status" if name == "policy_status" else name) for name in FIELDS
        }
        topic_ids = None
        if row.topics is not None:
            topic_ids = set(Topic.objects.filter(slug__in=row.topics).values_list("pk", flat=True))
        if entry is not None:
            if self.unchanged(entry, row, values, topic_ids):
                return "unchanged"
            for name, value in values.items():
                setattr(entry, name, value)
            entry.save()
            action = "updated"
        else:
            entry = PolicyEntry.objects.create(state=state, status=Publishing.PUBLISHED, **values)
            action = "created"
        # Columns the file does not have leave the entry's topics and tags as they are.
        if topic_ids is not None:
            entry.topics.set(topic_ids)
        if row.tags is not None:
            entry.tags.set(row.tags)
        if row.source_url:
            entry.sources.get_or_create(url=row.source_url, defaults={"title": row.source_title})
        return action

    def unchanged(self, entry, row, values, topic_ids):
        if any(getattr(entry, name) != value for name, value in values.items()):
            return False
        if topic_ids is not None and set(entry.topics.values_list("pk", flat=True)) != topic_ids:
            return False
        if row.tags is not None and set(entry.tags.names()) != set(row.tags):
            return False
        return not row.source_url or entry.sources.filter(url=row.source_url).exists()
