import logging

from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView, View

from alerts import emails, targets
from alerts.forms import SubscribeForm
from alerts.models import Subscription, Target

logger = logging.getLogger(__name__)

# The page parameter that names what is followed: /alerts/subscribe/?tag=seat-time
TARGET_PARAMS = {"q": Target.SEARCH, "tag": Target.TAG, "state": Target.STATE}


@method_decorator(never_cache, name="dispatch")
class SubscribeView(FormView):
    """Sign-up without an account: every valid sign-up gets the same answer, so the page
    never tells whether an address already follows something."""

    template_name = "alerts/subscribe.html"
    form_class = SubscribeForm

    def get_initial(self):
        if self.request.method == "POST":
            return {}  # the form's own hidden fields say what is followed
        for param, target in TARGET_PARAMS.items():
            value = targets.normalized(target, self.request.GET.get(param, ""))
            if value is not None:
                return {"target": target, "value": value}
        raise Http404("There is nothing here to follow.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        target = form["target"].value()
        value = form["value"].value()
        if targets.normalized(target, value) is not None:
            context["about"] = targets.label(target, value)
            context["page_url"] = targets.page_url(target, value)
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        subscription = Subscription.objects.sign_up(
            data["email"], data["target"], data["value"], data["frequency"]
        )
        if subscription is not None:
            origin = self.request.build_absolute_uri("/")[:-1]
            try:
                emails.send_confirmation(subscription, data["frequency"], origin)
            except Exception:
                # The mail server refused: the reader may ask again at once.
                logger.exception("Confirmation for subscription %s not sent", subscription.pk)
                subscription.confirmation_not_sent()
        return render(self.request, "alerts/check_inbox.html", {"email": data["email"]})


class SignedLinkMixin:
    """Finds the subscription a signed link names; a bad or expired link gets a page saying
    so (400), never an error."""

    salt = ""
    max_age = None

    def load(self, value):
        """(what the link signed, None), or (None, "expired" or "invalid")."""
        try:
            return signing.loads(value, salt=self.salt, max_age=self.max_age), None
        except signing.SignatureExpired:
            return None, "expired"
        except signing.BadSignature:
            return None, "invalid"

    def bad_link(self, problem):
        return render(
            self.request, "alerts/bad_link.html", {"expired": problem == "expired"}, status=400
        )


@method_decorator(never_cache, name="dispatch")
class ConfirmView(SignedLinkMixin, View):
    """A link in the confirmation mail; the reader confirms with a button, so a mail
    scanner that opens links cannot confirm on anyone's behalf."""

    salt = emails.CONFIRM_SALT
    max_age = emails.CONFIRM_MAX_AGE

    def subscription(self, value):
        """(subscription, frequency the reader chose), or (None, the link's problem)."""
        loaded, problem = self.load(value)
        if problem:
            return None, problem
        token, frequency = loaded
        # Unsubscribed since: the link confirms nothing.
        return Subscription.objects.filter(token=token).first(), frequency

    def get(self, request, value):
        subscription, frequency = self.subscription(value)
        if subscription is None:
            return self.bad_link(frequency)
        about = targets.label(subscription.target, subscription.value)
        return render(request, "alerts/confirm.html", {"about": about})

    def post(self, request, value):
        subscription, frequency = self.subscription(value)
        if subscription is None:
            return self.bad_link(frequency)
        subscription.confirm(frequency)
        return render(
            request,
            "alerts/confirmed.html",
            {
                "about": targets.label(subscription.target, subscription.value),
                "page_url": targets.page_url(subscription.target, subscription.value),
                "frequency": subscription.get_frequency_display().lower(),
            },
        )


@method_decorator([never_cache, csrf_exempt], name="dispatch")
class UnsubscribeView(SignedLinkMixin, View):
    """One click (RFC 8058): mail programs POST to the link in List-Unsubscribe without a
    CSRF token, so the signature alone authorizes it; a reader opening it gets a button."""

    salt = emails.UNSUBSCRIBE_SALT

    def get(self, request, value):
        token, problem = self.load(value)
        if problem:
            return self.bad_link(problem)
        subscription = Subscription.objects.filter(token=token).first()
        if subscription is None:  # unsubscribed already
            return render(request, "alerts/unsubscribe.html", {"done": True})
        about = targets.label(subscription.target, subscription.value)
        return render(request, "alerts/unsubscribe.html", {"about": about})

    def post(self, request, value):
        token, problem = self.load(value)
        if problem:
            return self.bad_link(problem)
        # The address goes with the subscription; a second click finds nothing to delete.
        Subscription.objects.filter(token=token).delete()
        return render(request, "alerts/unsubscribe.html", {"done": True})
