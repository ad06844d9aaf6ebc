"""What the editor's publishing buttons do: Save draft, Publish, Schedule, Unpublish, private.

The change form sends the button's value under `FIELD`; `decide()` turns it into the status
and publish time to save, and `outcome()` says what happened in the site's time zone.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone

from competencyworks.publishing.states import Status

FIELD = "_publishing"

DRAFT, PUBLISH, SCHEDULE = "draft", "publish", "schedule"
UNPUBLISH, PRIVATE = "unpublish", "private"
ACTIONS = (DRAFT, PUBLISH, SCHEDULE, UNPUBLISH, PRIVATE)


def decide(action, publish_at, was_public, time_chosen, now):
    """(status, publish_at) for `action`.

    Publish means now: a time the editor set in the past is kept (backdating), as is the date
    of an item already public; an empty or future time becomes now. Schedule needs a future
    time. The other buttons keep whatever time the form holds.
    """
    if action in (DRAFT, UNPUBLISH):
        return Status.DRAFT, publish_at
    if action == PRIVATE:
        return Status.PRIVATE, publish_at
    if action == SCHEDULE:
        if publish_at is None or publish_at <= now:
            raise ValidationError(
                {"publish_at": "Set a future date and time to schedule; Publish puts it live now."}
            )
        return Status.PUBLISHED, publish_at
    keep = publish_at is not None and publish_at <= now and (was_public or time_chosen)
    return Status.PUBLISHED, publish_at if keep else now


def when(moment):
    """The moment as "Tuesday 2 December at 9:30", site time; the year when not this one."""
    local = timezone.localtime(moment)
    year = "" if local.year == timezone.localdate().year else f" {local.year}"
    return f"{local:%A} {local.day} {local:%B}{year} at {local.hour}:{local:%M}"


def outcome(action, item):
    """The message after saving `item` with `action`."""
    if action == SCHEDULE:
        return f"Scheduled for {when(item.publish_at)}"
    return {
        DRAFT: "Saved as draft",
        PUBLISH: "Published",
        UNPUBLISH: "Unpublished",
        PRIVATE: "Saved as private (staff only)",
    }[action]


def buttons(visibility):
    """[(action, label)] for an item in this state, the one keeping its state first.

    The first button is what Enter in a text box presses, so it never changes the state.
    """
    labels = {
        "draft": [(DRAFT, "Save draft"), (PUBLISH, "Publish"), (SCHEDULE, "Schedule")],
        "scheduled": [(SCHEDULE, "Schedule"), (PUBLISH, "Publish now"), (DRAFT, "Save draft")],
        "published": [(PUBLISH, "Update"), (SCHEDULE, "Schedule"), (UNPUBLISH, "Unpublish")],
        "private": [(PRIVATE, "Save private"), (PUBLISH, "Publish"), (DRAFT, "Save draft")],
    }[visibility]
    if visibility == "draft":
        labels.append((PRIVATE, "Save as private"))
    return labels
