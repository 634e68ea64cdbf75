"""API keys with names and roles, and the client's address behind trusted proxies.

Keys are set in ``STATIONFINDER_API_KEYS`` (comma-separated), each written

- ``name:role:SECRET``: a named key with a role, ``planner`` (reviews reports
  and proposals, creates and edits stations) or ``admin`` (also imports files
  and deletes stations);
- ``name:SECRET``: a named key with full rights;
- ``SECRET``: full rights, named ``key-N`` after its place in the list.

Every write made with a key is recorded with the key's name as its actor. A
missing key is a 401, a key that matches none (any bytes, ASCII or not) a
403, and so is a valid key whose role is not enough.
"""

from __future__ import annotations

import enum
import hmac
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from fastapi import HTTPException, Request

__all__ = ["ApiKey", "Role", "client_address", "find_key", "parse_keys", "require"]


class Role(enum.StrEnum):
    """What a key may do; ``admin`` may do everything a ``planner`` may."""

    PLANNER = "planner"
    ADMIN = "admin"


_RANK = {Role.PLANNER: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One configured key: its name (the actor of its writes), role and secret."""

    name: str
    role: Role
    secret: bytes

    def allows(self, role: Role) -> bool:
        """Whether this key may do what ``role`` may."""
        return _RANK[self.role] >= _RANK[role]


@lru_cache(maxsize=8)
def parse_keys(entries: tuple[str, ...]) -> tuple[ApiKey, ...]:
    """Keys from their settings entries (``name:role:SECRET``, ``name:SECRET`` or ``SECRET``).

    >>> [(k.name, str(k.role)) for k in parse_keys(("li:planner:s1", "ops:s2", "s3"))]
    [('li', 'planner'), ('ops', 'admin'), ('key-3', 'admin')]
    """
    keys = []
    for i, entry in enumerate(entries, start=1):
        parts = entry.split(":", 2)
        if len(parts) == 3 and parts[1] in set(Role):
            name, role, secret = parts[0], Role(parts[1]), parts[2]
        elif len(parts) >= 2:
            name, role, secret = parts[0], Role.ADMIN, entry.split(":", 1)[1]
        else:
            name, role, secret = f"key-{i}", Role.ADMIN, entry
        if name and secret:
            keys.append(ApiKey(name, role, secret.encode("utf-8")))
    return tuple(keys)


def find_key(given: str | None, configured: Iterable[str]) -> ApiKey | None:
    """The configured key whose secret ``given`` is, else None.

    Compared as bytes in constant time, against every key: a header with
    characters outside ASCII is simply no key.
    """
    if not given:
        return None
    raw = given.encode("utf-8", "replace")
    found = None
    for key in parse_keys(tuple(configured)):
        if hmac.compare_digest(raw, key.secret):
            found = key
    return found


def require(
    role: Role, configured: Callable[[Request], Iterable[str]]
) -> Callable[[Request, str | None], ApiKey]:
    """A check that the request's key exists and has ``role``; 401 without, 403 otherwise."""

    def check(request: Request, given: str | None) -> ApiKey:
        if not given:
            raise HTTPException(
                401,
                "this endpoint needs an API key in the X-API-Key header",
                headers={"WWW-Authenticate": "X-API-Key"},
            )
        key = find_key(given, configured(request))
        if key is None:
            raise HTTPException(403, "the API key is not valid")
        if not key.allows(role):
            raise HTTPException(
                403, f"this endpoint needs a key with the {role} role; key {key.name!r} is a "
                f"{key.role} key"
            )  # fmt: skip
        return key

    return check


def _networks(
    entries: Iterable[str],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _trusted(
    address: str, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: Request, trusted_proxies: Iterable[str] = ()) -> str:
    """The client's address: the connection's peer, unless that peer is a trusted proxy.

    Behind trusted proxies, ``X-Forwarded-For`` is read from the right (each
    proxy appends the address it saw): the first address that is not a
    trusted proxy is the client. Without trusted proxies the header is ignored,
    so nobody can pick their own address.
    """
    peer = request.client.host if request.client is not None else "unknown"
    networks = _networks(trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    chain = [a.strip() for h in request.headers.getlist("x-forwarded-for") for a in h.split(",")]
    for address in reversed([a for a in chain if a]):
        if not _trusted(address, networks):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                break  # garbage from the client side: the last proxy's peer is all we know
    return peer
