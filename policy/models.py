import reversion
from django.db import models
from django.db.models import Aggregate, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.formats import date_format
from taggit.managers import TaggableManager

from competencyworks.publishing import Publishable, PublishedQuerySet, unique_slug
from competencyworks.tagging import SetBasedTagManager


class Stage(models.TextChoices):
    ADVANCED = "advanced", "Advanced"
    DEVELOPING = "developing", "Developing"
    EMERGING = "emerging", "Emerging"
    NOT_YET = "not_yet", "Not yet"
    NOT_ASSESSED = "not_assessed", "Not assessed"


# Shown in the map legend and on state pages.
STAGE_DEFINITIONS = {
    Stage.ADVANCED: "State policy enables competency-based learning across schools, with "
    "graduation or credit rules built on demonstrated mastery.",
    Stage.DEVELOPING: "The state has changed laws or rules to allow competency-based credit "
    "and is building support for districts.",
    Stage.EMERGING: "The state is piloting, studying or allowing waivers for "
    "competency-based approaches.",
    Stage.NOT_YET: "Policy still ties credit to seat time, with no competency-based option.",
    Stage.NOT_ASSESSED: "We have not yet assessed this state's policy.",
}


class Jurisdiction(models.TextChoices):
    STATE = "state", "State"
    DISTRICT = "district", "Federal district"
    TERRITORY = "territory", "Territory"


class State(models.Model):
    """A state, DC or a territory; loaded by a migration, never typed in."""

    code = models.CharField(max_length=2, unique=True, help_text="USPS code, e.g. ID.")
    name = models.CharField(max_length=60, unique=True)
    fips = models.CharField(max_length=2, unique=True)
    jurisdiction = models.CharField(max_length=10, choices=Jurisdiction.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("policy:state", args=[self.code.lower()])


def stages_on(day):
    """{state id: StageChange in force on `day`} for every state that has one (one query)."""
    changes = StageChange.objects.filter(effective_from__lte=day).order_by(
        "state_id", "-effective_from", "-pk"
    )
    current = {}
    for change in changes:
        current.setdefault(change.state_id, change)
    return current


class StageChange(models.Model):
    """From `effective_from`, the state is at `stage`, for the reason given: the map's history."""

    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="stage_changes")
    stage = models.CharField(max_length=15, choices=Stage.choices)
    effective_from = models.DateField()
    reason = models.TextField(help_text="Why the state is at this stage from this date.")
    sources = models.TextField(blank=True, help_text="Links that back this up, one per line.")

    class Meta:
        ordering = ["state", "-effective_from"]
        indexes = [models.Index(fields=["state", "-effective_from"], name="policy_stage_state_idx")]

    def __str__(self):
        return f"{self.state}: {self.get_stage_display()} from {self.effective_from}"


class Topic(models.Model):
    """A policy subject (seat time, competency-based diploma…); loaded by a migration."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Kind(models.TextChoices):
    STATUTE = "statute", "Statute"
    REGULATION = "regulation", "Regulation"
    BOARD_RULE = "board_rule", "Board rule"
    PILOT = "pilot", "Pilot program"
    WAIVER = "waiver", "Waiver"
    GUIDANCE = "guidance", "Guidance"
    BUDGET = "budget", "Budget provision"


class Status(models.TextChoices):
    INTRODUCED = "introduced", "Introduced"
    PASSED = "passed", "Passed"
    SIGNED = "signed", "Signed"
    IN_EFFECT = "in_effect", "In effect"
    REPEALED = "repealed", "Repealed"
    FAILED = "failed", "Failed"


class JoinedText(Aggregate):
    """Values joined with commas: GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    output_field = models.TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "%(function)s(%(expressions)s, ',')"
        return self.as_sql(
            compiler, connection, function="STRING_AGG", template=template, **extra_context
        )


class EntryQuerySet(PublishedQuerySet):
    def for_list(self):
        return self.select_related("state").prefetch_related("topics")

    def for_export(self):
        """The columns an export shows, as dicts in one query: state code, topic slugs joined.

        Topics come from a subquery per row, so a topic filter on `self` never narrows an
        entry's list of topics, and rows stream in id order without grouping the whole table.
        """
        topics = (
            Topic.objects.filter(entries=OuterRef("pk"))
            .order_by()
            .values("entries")
            .values(slugs=JoinedText("slug"))
        )
        return self.order_by("pk").values(
            "title", "kind", "identifier", "session", "year", "policy_status", "introduced_on",
            "enacted_on", "effective_on", "summary", "slug",
            state_code=F("state__code"), topic_slugs=Subquery(topics),
        )  # fmt: skip

    def about(self, state):
        return self.filter(state=state)


@reversion.register(follow=["events", "sources", "provisions", "sponsors"])
class PolicyEntry(Publishable):
    """A law, rule, pilot or guidance document in one state, with its timeline and sources."""

    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="entries")
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=255, unique=True, blank=True)
    kind = models.CharField(max_length=15, choices=Kind.choices)
    identifier = models.CharField(max_length=60, blank=True, help_text='e.g. "HB 110".')
    session = models.CharField(max_length=40, blank=True, help_text='e.g. "2015 regular".')
    year = models.PositiveSmallIntegerField(help_text="Year of the session or document.")
    policy_status = models.CharField("status", max_length=15, choices=Status.choices)
    introduced_on = models.DateField(null=True, blank=True)
    enacted_on = models.DateField(null=True, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    summary = models.TextField()
    topics = models.ManyToManyField(Topic, blank=True, related_name="entries")
    tags = TaggableManager(blank=True, manager=SetBasedTagManager)
    related_posts = models.ManyToManyField("blog.Post", blank=True, related_name="policy_entries")
    related_resources = models.ManyToManyField(
        "wiki.Resource", blank=True, related_name="policy_entries"
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "state__name", "title"]
        verbose_name_plural = "policy entries"
        indexes = [
            models.Index(fields=["status", "publish_at"], name="policy_entry_public_idx"),
            models.Index(fields=["state", "-year"], name="policy_entry_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["state", "identifier", "session"],
                condition=~Q(identifier=""),
                name="policy_entry_unique_identifier",
            )
        ]

    def __str__(self):
        return f"{self.state.code} {self.identifier or self.title}"

    def save(self, *args, **kwargs):
        if not self.slug:
            name = f"{self.state.code} {self.identifier or self.title} {self.year}"
            self.slug = unique_slug(self, name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("policy:entry", args=[self.slug])

    @property
    def label(self):
        return f"{self.identifier}: {self.title}" if self.identifier else self.title

    def timeline(self):
        """[(date, what happened, event or None)], oldest first: the dated steps, and the
        introduced, enacted and in-effect dates no step of that day already tells."""
        steps = [(event.date, event.description, event) for event in self.events.all()]
        told = {day for day, _, _ in steps}
        for day, what in (
            (self.introduced_on, "Introduced"),
            (self.enacted_on, "Enacted"),
            (self.effective_on, "Took effect"),
        ):
            if day and day not in told:
                steps.append((day, what, None))
        return sorted(steps, key=lambda step: step[0])

    @property
    def own_date_label(self):
        """The entry's own date for lists and results: enacted, else introduced, else its year."""
        if self.enacted_on:
            return f"Enacted {date_format(self.enacted_on, 'F j, Y')}"
        if self.introduced_on:
            return f"Introduced {date_format(self.introduced_on, 'F j, Y')}"
        return str(self.year)


@reversion.register()
class Event(models.Model):
    """A dated step in an entry's life: introduced, passed a chamber, signed, took effect…"""

    entry = models.ForeignKey(PolicyEntry, on_delete=models.CASCADE, related_name="events")
    date = models.DateField()
    description = models.CharField(max_length=300)

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.date}: {self.description}"


@reversion.register()
class Source(models.Model):
    entry = models.ForeignKey(PolicyEntry, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=1000)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.title


@reversion.register()
class Provision(models.Model):
    """A section-level citation: a budget section, a codified statute, a rule number."""

    entry = models.ForeignKey(PolicyEntry, on_delete=models.CASCADE, related_name="provisions")
    citation = models.CharField(max_length=200, help_text='e.g. "Section 8.12".')
    description = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.citation


class SponsorRole(models.TextChoices):
    PRIMARY = "primary", "Primary sponsor"
    CO = "co", "Co-sponsor"
    AGENCY = "agency", "Agency"


@reversion.register()
class Sponsor(models.Model):
    """Who brought an entry forward: a legislator, a committee, or the agency issuing a rule."""

    entry = models.ForeignKey(PolicyEntry, on_delete=models.CASCADE, related_name="sponsors")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=10, choices=SponsorRole.choices, default=SponsorRole.PRIMARY)
    party = models.CharField(max_length=60, blank=True, help_text='e.g. "R" or "Democrat".')
    chamber = models.CharField(max_length=60, blank=True, help_text='e.g. "Senate".')
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name

    @property
    def affiliation(self):
        """ "R, Senate": what is known of the sponsor's party and chamber."""
        return ", ".join(part for part in (self.party, self.chamber) if part)
