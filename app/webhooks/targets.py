"""Where a webhook may point: refuse loopback, private and link-local addresses."""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from app.errors import InvalidInput


class UnsafeTarget(InvalidInput):
    """The webhook URL is malformed, or reaches an address that must not be called."""


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def host_of(url: str) -> tuple[str, int]:
    """Return the host and port of an http(s) URL, or raise 422."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"'{url}' is not a valid URL: {exc}.", loc=["body", "url"]) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("The URL must be http:// or https:// with a host.", loc=["body", "url"])
    if parts.username or parts.password:
        raise UnsafeTarget("The URL must not carry a user or password.", loc=["body", "url"])
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_target(url: str, *, allow_private: bool) -> None:
    """Raise 422 unless every address ``url``'s host resolves to may be called."""
    host, port = host_of(url)
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeTarget(f"The host '{host}' does not resolve.", loc=["body", "url"]) from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if _forbidden(address):
            raise UnsafeTarget(
                f"The host '{host}' resolves to {address}, a loopback, private, link-local or "
                "reserved address; webhooks may only call public addresses "
                "(CITEDB_WEBHOOK_ALLOW_PRIVATE_TARGETS=true allows others).",
                loc=["body", "url"],
            )
