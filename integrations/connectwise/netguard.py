"""Decides which ConnectWise URLs and peer addresses the client may talk to, before any byte is sent."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .errors import UnsafeTenantURL

CLOUD_HOST_SUFFIXES = (".myconnectwise.net", ".connectwisedev.com")
ALLOWED_HOSTS_SETTING = "PSA_ALLOWED_HOSTS"
INSECURE_HOSTS_SETTING = "PSA_INSECURE_HOSTS"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Hosts made only of digits, hex and dots are parsed by inet_aton the way browsers and libc do ("2130706433",
# "0x7f.1", "0177.0.0.1" are all 127.0.0.1), so they are treated as addresses, never as names.
_NUMERIC_HOST = re.compile(r"^[0-9a-fA-FxX.]+$")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def normalise_host(host: str) -> str:
    """Lower-case, drop IPv6 brackets and a trailing dot, so lists and URLs compare equal."""
    return host.strip().strip("[]").rstrip(".").lower()


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address `host` denotes if it is an IP literal in any of its spellings, else None."""
    candidate = normalise_host(host)
    if not candidate:
        return None
    try:
        return ipaddress.ip_address(candidate.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        pass
    if _NUMERIC_HOST.match(candidate) and any(ch.isdigit() for ch in candidate):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(candidate))
        except OSError:
            return None
    return None


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_forbidden_address(ip: IPAddress) -> bool:
    """True for loopback, private, link-local (cloud metadata), CGNAT, unspecified, multicast and reserved."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None and is_forbidden_address(embedded):
        return True
    # `is_global` is False for every special-purpose range, including 100.64.0.0/10 which `is_private` misses.
    return not ip.is_global or ip.is_multicast


def is_cloud_host(host: str) -> bool:
    return normalise_host(host).endswith(CLOUD_HOST_SUFFIXES)


@dataclass(frozen=True)
class URLPolicy:
    """Which hosts the client may reach: cloud hosts, `allowed_hosts`, and `insecure_hosts` (http, local addresses)."""

    insecure_hosts: frozenset[str] = field(default_factory=frozenset)
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def build(cls, *, insecure_hosts: Iterable[str], allowed_hosts: Iterable[str]) -> URLPolicy:
        return cls(
            insecure_hosts=frozenset(normalise_host(h) for h in insecure_hosts if h.strip()),
            allowed_hosts=frozenset(normalise_host(h) for h in allowed_hosts if h.strip()),
        )

    def is_insecure_host(self, host: str) -> bool:
        return normalise_host(host) in self.insecure_hosts

    def check_url(self, url: str) -> None:
        """Refuse a URL by its scheme and host alone (no DNS): raises UnsafeTenantURL."""
        parts = urlsplit(url)
        host = normalise_host(parts.hostname or "")
        if not host:
            raise UnsafeTenantURL(f"{url!r} has no host name", hint="Enter the address of your ConnectWise site.")
        if parts.username or parts.password:
            raise UnsafeTenantURL(
                "The ConnectWise site URL must not contain a user name or password",
                hint="Enter only the site address; the API keys go in their own fields.",
            )
        insecure_ok = host in self.insecure_hosts
        if parts.scheme != "https" and not (parts.scheme == "http" and insecure_ok):
            raise UnsafeTenantURL(
                f"ConnectWise must be reached over https, not {parts.scheme or 'no scheme'}:// ({host})",
                hint=f"Use https://{host}. Plain http is only for local test servers in {INSECURE_HOSTS_SETTING}.",
            )
        if insecure_ok:
            return
        literal = parse_ip_literal(host)
        if literal is not None and is_forbidden_address(literal):
            raise UnsafeTenantURL(
                f"The ConnectWise site address {host} is a local or internal address ({literal}), which is refused",
                hint=f"Use the public name of your ConnectWise site; list trusted test servers in "
                f"{INSECURE_HOSTS_SETTING}.",
            )
        if not is_cloud_host(host) and host not in self.allowed_hosts:
            raise UnsafeTenantURL(
                f"{host} is not a ConnectWise cloud host and is not in {ALLOWED_HOSTS_SETTING}",
                hint=f"For an on-premise ConnectWise server, add {host} to {ALLOWED_HOSTS_SETTING}.",
            )

    def check_peer(self, host: str, address: str) -> None:
        """Refuse a connection whose resolved peer address is local or internal (a name pointing at loopback)."""
        if self.is_insecure_host(host):
            return
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return  # not an IP socket (never happens for TCP); nothing to judge
        if is_forbidden_address(ip):
            raise UnsafeTenantURL(
                f"{normalise_host(host)} resolves to the local or internal address {ip}, so the connection was "
                "closed before anything was sent",
                hint=f"Check the DNS of the ConnectWise site; list trusted test servers in {INSECURE_HOSTS_SETTING}.",
            )

    def check_resolved(self, host: str, port: int, resolve: Callable[..., Any] = socket.getaddrinfo) -> None:
        """Best-effort check of what `host` resolves to, for when a proxy makes the peer address unknowable."""
        if self.is_insecure_host(host):
            return
        try:
            infos = resolve(host, port, proto=socket.IPPROTO_TCP)
        except OSError:
            return  # the proxy may resolve names this machine cannot
        for info in infos:
            self.check_peer(host, str(info[4][0]))


def _guarded_connection(base: type[HTTPConnection], policy: URLPolicy) -> type[HTTPConnection]:
    class GuardedConnection(base):  # type: ignore[valid-type, misc]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            try:
                # Checked right after the TCP connect and before TLS or the request: the name was resolved by
                # the OS, so this is the address actually reached, whatever DNS said earlier.
                policy.check_peer(self.host, sock.getpeername()[0])
            except BaseException:
                sock.close()
                raise
            return sock

    GuardedConnection.__name__ = f"Guarded{base.__name__}"
    return GuardedConnection


class PeerCheckingAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections check the peer address with a URLPolicy right after connecting."""

    def __init__(self, policy: URLPolicy, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        http_pool = type(
            "GuardedHTTPConnectionPool",
            (HTTPConnectionPool,),
            {"ConnectionCls": _guarded_connection(HTTPConnection, self.policy)},
        )
        https_pool = type(
            "GuardedHTTPSConnectionPool",
            (HTTPSConnectionPool,),
            {"ConnectionCls": _guarded_connection(HTTPSConnection, self.policy)},
        )
        self.poolmanager.pool_classes_by_scheme = {"http": http_pool, "https": https_pool}
