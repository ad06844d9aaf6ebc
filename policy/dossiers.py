"""A state's dossier: its stage and history, every public entry in full, and what the site
has published about it, on one printable page or as a PDF."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from blog.models import Post
from competencyworks.dossiers import DossierView
from policy.models import STAGE_DEFINITIONS, PolicyEntry, Stage, StageChange, State
from wiki.models import Resource

MAX_LISTED = 100  # posts, and resources, listed at most


def about_the_state(state):
    """(posts, resources) about the state: linked from one of its public entries, or tagged
    with its name, as on the state page, or with the name's slug ("new-hampshire").
    Querysets, newest posts first."""
    public_entries = PolicyEntry.objects.published().about(state)
    posts = Post.objects.published().filter(policy_entries__in=public_entries)
    resources = Resource.objects.published().filter(policy_entries__in=public_entries)
    state_tag = Tag.objects.filter(Q(name__iexact=state.name) | Q(slug=slugify(state.name)))
    state_tag = state_tag.values("pk")
    posts = posts | Post.objects.published().filter(tags__in=state_tag)
    resources = resources | Resource.objects.published().filter(tags__in=state_tag)
    return (
        posts.distinct().defer("body").order_by("-publish_at", "pk"),
        resources.distinct().order_by("title", "pk"),
    )


class StateDossierView(DossierView):
    template_name = "dossiers/state.html"

    def file_name(self, state):
        return f"{slugify(state.name)}-policy-dossier"

    def get_subject(self):
        return get_object_or_404(State, code=self.kwargs["code"].upper())

    def dossier_context(self, state):
        entries = list(
            PolicyEntry.objects.published()
            .about(state)
            .prefetch_related("events", "sources", "provisions", "sponsors", "topics")
            .order_by("-year", "title")
        )
        # The history as it stands on the day the dossier is made: no change not yet in force.
        history = list(
            StageChange.objects.filter(state=state, effective_from__lte=timezone.localdate())
            .order_by("-effective_from", "-pk")
        )  # fmt: skip
        current = history[0] if history else None
        stage = Stage(current.stage) if current else Stage.NOT_ASSESSED
        posts, resources = about_the_state(state)
        posts, resources = list(posts[: MAX_LISTED + 1]), list(resources[: MAX_LISTED + 1])
        code = state.code.lower()
        return {
            "state": state,
            "page_url": reverse("policy:state-dossier", args=[code]),
            "pdf_url": reverse("policy:state-dossier-pdf", args=[code]),
            "back_url": state.get_absolute_url(),
            "back_label": f"Back to {state.name}",
            "item_name": "entries",
            "item_count": len(entries),
            "entries": entries,
            "stage_history": history,
            "current": current,
            "current_stage": stage,
            "current_definition": STAGE_DEFINITIONS[stage],
            "posts": posts[:MAX_LISTED],
            "more_posts": len(posts) > MAX_LISTED,
            "resources": resources[:MAX_LISTED],
            "more_resources": len(resources) > MAX_LISTED,
            "max_listed": MAX_LISTED,
        }
