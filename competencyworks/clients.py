"""Who is asking: the client's address as the trusted proxies in front of the site saw it."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The address of the client behind settings.TRUSTED_PROXY_COUNT proxies.

    With no trusted proxy, REMOTE_ADDR is the client and X-Forwarded-For is ignored: anyone
    can write that header. Each trusted proxy appends the address it received the request
    from, so with N of them the client is the Nth entry from the right; entries further
    left came from the client and prove nothing.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not proxies or not hops:
        return remote_addr
    # Fewer hops than proxies: the request skipped an outer proxy; the leftmost is the nearest
    # to the client that a trusted proxy wrote.
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr
