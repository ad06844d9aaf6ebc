"""The two messages alerts send: the confirmation of a sign-up and the digest.

Links carry signed values (django.core.signing) naming the subscription's random token;
every digest carries a one-click unsubscribe link (RFC 8058) in its body and headers.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from alerts import targets

CONFIRM_SALT = "alerts.confirm"
UNSUBSCRIBE_SALT = "alerts.unsubscribe"
CONFIRM_MAX_AGE = 3 * 24 * 60 * 60  # a confirmation link works for three days


def confirm_url(subscription, frequency, origin):
    value = signing.dumps([subscription.token, frequency], salt=CONFIRM_SALT)
    return origin + reverse("alerts:confirm", args=[value])


def unsubscribe_url(subscription, origin):
    value = signing.dumps(subscription.token, salt=UNSUBSCRIBE_SALT)
    return origin + reverse("alerts:unsubscribe", args=[value])


def send(to, subject, template, context, headers=None):
    context = {"site_name": settings.SITE_NAME, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"alerts/email/{template}.txt", context),
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(
        render_to_string(f"alerts/email/{template}.html", context), "text/html"
    )
    message.send()


def send_confirmation(subscription, frequency, origin):
    about = targets.label(subscription.target, subscription.value)
    send(
        subscription.email,
        f"Confirm your {settings.SITE_NAME} alerts for {about}",
        "confirm",
        {
            "about": about,
            "frequency": frequency,
            "confirm_url": confirm_url(subscription, frequency, origin),
            "page_url": origin + targets.page_url(subscription.target, subscription.value),
        },
    )


def send_digest(subscription, items, origin):
    about = targets.label(subscription.target, subscription.value)
    unsubscribe = unsubscribe_url(subscription, origin)
    send(
        subscription.email,
        f"{settings.SITE_NAME}: {len(items)} new for {about}",
        "digest",
        {
            "about": about,
            "items": items,
            "origin": origin,
            "frequency": subscription.get_frequency_display().lower(),
            "page_url": origin + targets.page_url(subscription.target, subscription.value),
            "unsubscribe_url": unsubscribe,
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
