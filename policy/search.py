"""How policy entries become search documents: their timeline's steps are part of the text."""

from competencyworks.search import Document
from policy.models import Event, PolicyEntry


class EntryDocument(Document):
    model = PolicyEntry
    kind = "policy"
    label = "Policy entry"
    dated_by_publication = False
    parts = {Event: "entry_id"}  # adding, editing or deleting a step rewrites its entry's text

    def items(self):
        return super().items().select_related("state").prefetch_related("events")

    def text(self, entry):
        title = f"{entry.state.name}: {entry.label}"
        steps = " ".join(event.description for event in entry.events.all())
        return title, entry.summary, f"{entry.get_kind_display()} {entry.session} {steps}"

    def own_date(self, entry):
        return entry.own_date_label
