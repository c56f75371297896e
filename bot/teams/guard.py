"""Who may reach the Teams endpoint: pure checks on the caller, the serviceUrl and the tenant.

The Bot Framework sends each activity with the URL the bot must answer at (serviceUrl). A bot that
believed any serviceUrl would call, and hand confidential replies to, whatever address a forger
names; so the URL must be the one the Bot Framework's token vouches for (its `serviceurl` claim),
or, in the Emulator's local mode, an address on this computer.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, Mapping
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost"})
DEFAULT_PORTS = {"http": 80, "https": 443}
# A request that passed through a reverse proxy carries one of these; the Emulator never sends them.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
SERVICE_URL_CLAIM = "serviceurl"


def is_loopback_address(address: str | None) -> bool:
    """127.0.0.0/8 or ::1 (an IPv4-mapped IPv6 loopback too); anything unparsable is not."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def is_loopback_url(url: str | None) -> bool:
    """An http(s) URL whose host is this computer: localhost, 127.x.x.x or [::1]."""
    try:
        parts = urlsplit(str(url or ""))
        host = parts.hostname
        parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or not host:
        return False
    return host in LOOPBACK_NAMES or is_loopback_address(host)


def came_through_proxy(headers: Mapping[str, str]) -> bool:
    return any(name in headers for name in PROXY_HEADERS)


def normalised_url(url: str | None) -> tuple[str, str, int, str] | None:
    """scheme, host (lower case), port (default filled in), path without its trailing slash."""
    try:
        parts = urlsplit(str(url or "").strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme], parts.path.rstrip("/")


def service_url_vouched(claims: Mapping[str, object] | None, service_url: str | None) -> bool:
    """True when the token's serviceurl claim names the activity's serviceUrl."""
    claimed = (claims or {}).get(SERVICE_URL_CLAIM)
    if not isinstance(claimed, str):
        return False
    mine = normalised_url(service_url)
    return mine is not None and normalised_url(claimed) == mine


def parse_tenants(value: str | None) -> frozenset[str]:
    """POLICYBOT_TEAMS_TENANTS: tenant ids separated by commas (or spaces)."""
    return frozenset(t.strip().lower() for t in (value or "").replace(" ", ",").split(",") if t.strip())


def tenant_allowed(allowed: Iterable[str], tenant: str | None) -> bool:
    """With no allow-list every tenant passes; with one, a missing tenant never does."""
    allowed = frozenset(allowed)
    if not allowed:
        return True
    return bool(tenant) and tenant.strip().lower() in allowed
