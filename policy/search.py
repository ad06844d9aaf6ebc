"""How policy entries become search documents: their timeline's steps are part of the text."""

from django.db.models import Q

from competencyworks.models import SearchDocument
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


def about_state(state):
    """Search documents about a state: its published policy entries, the posts editors marked
    as about it, the posts its entries link to and posts tagged with its name (as its page
    shows them); for its feed and e-mail alerts."""
    entries = PolicyEntry.objects.published().about(state)
    tagged = SearchDocument.objects.filter(kind="post", tags__name__iexact=state.name)
    return SearchDocument.objects.published().filter(
        Q(kind="policy", object_id__in=entries.values("pk"))
        | Q(kind="post", object_id__in=state.posts.values("pk"))
        | Q(kind="post", object_id__in=entries.values("related_posts"))
        | Q(pk__in=tagged.values("pk"))
    )
