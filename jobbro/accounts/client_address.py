"""The network address of the person at the other end, also behind the municipality's reverse proxy.

Behind a proxy every request comes from the proxy's own address, so counting wrong passwords per address would
count the whole municipality as one. The proxy names the client in a header (JOBBRO_PROXY_CLIENT_IP_HEADER,
e.g. X-Forwarded-For); each proxy on the way appends the address it saw, so the client is the entry
JOBBRO_PROXY_COUNT places from the right. Entries further left were written by the client and are never trusted.
"""

from django.conf import settings


def client_ip(request):
    """The client's address: REMOTE_ADDR, unless a trusted proxy header is configured and present."""
    remote = request.META.get("REMOTE_ADDR", "")
    header = settings.PROXY_CLIENT_IP_HEADER
    if not header:
        return remote
    forwarded = [entry.strip() for entry in request.META.get(header, "").split(",") if entry.strip()]
    if len(forwarded) < settings.PROXY_COUNT:
        return remote  # not through the proxies we trust: the connecting address is all we know
    return forwarded[-settings.PROXY_COUNT]
