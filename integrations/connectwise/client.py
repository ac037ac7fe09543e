"""The only code that speaks HTTP to a ConnectWise PSA: read-only, guarded, retrying and streaming page by page."""

from __future__ import annotations

import base64
import binascii
import gc
import http.client
import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import orjson
import requests
import urllib3
from requests.adapters import HTTPAdapter

from .errors import (
    BadRequest,
    ConnectionFailed,
    ConnectWiseError,
    InvalidCredentials,
    NotFound,
    PermissionDenied,
    ReadOnlyViolation,
    ServerError,
    Throttled,
    UndecryptableCredentials,
    UnsafeTenantURL,
)
from .netguard import PeerCheckingAdapter, URLPolicy, is_cloud_host, normalise_host
from .permissions import permission_for_endpoint

logger = logging.getLogger(__name__)


def _parse_json(raw: bytes) -> Any:
    """Decode a JSON body: orjson, then the standard library for what orjson refuses but JSON parsers commonly accept
    (NaN, integers beyond 64 bits, lone surrogate escapes).

    A page of 1,000 tickets is ~150,000 dicts and lists; while they are created, Python's cyclic garbage collector
    would run many times, full collections included (which walk every object of the process), and the decode took
    3-5× as long. Decoded JSON holds no reference cycles, so collection is paused for the decode.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return json.loads(raw)
    finally:
        if paused:
            gc.enable()


MAX_PAGE_SIZE = 1000
_READ_CHUNK = 64 * 1024
_ERROR_BODY_LIMIT = 64 * 1024  # error bodies are only read for their message
_REDACTED = "[redacted]"
_SECONDS_IN_MESSAGE = re.compile(r"(\d+(?:\.\d+)?)\s*sec", re.IGNORECASE)
_LINK_PARAM = re.compile(r'([\w*-]+)\s*=\s*("[^"]*"|[^;,\s]+)')


@dataclass(frozen=True)
class Credentials:
    """API member keys; repr and str never show the keys or the client id."""

    company_id: str
    public_key: str
    private_key: str
    client_id: str

    def __repr__(self) -> str:
        return (
            f"Credentials(company_id={self.company_id!r}, public_key='{_REDACTED}', "
            f"private_key='{_REDACTED}', client_id='{_REDACTED}')"
        )

    __str__ = __repr__

    @property
    def authorization(self) -> str:
        token = base64.b64encode(f"{self.company_id}+{self.public_key}:{self.private_key}".encode()).decode()
        return f"Basic {token}"

    def secret_values(self) -> tuple[str, ...]:
        """Every string that must never appear in a message or log: the keys, the client id, the auth header."""
        header = self.authorization
        return tuple(s for s in (self.public_key, self.private_key, self.client_id, header, header[6:]) if s)


@dataclass(frozen=True)
class CompanyInfo:
    """What `/login/companyinfo/{companyId}` says about a tenant."""

    company_name: str
    codebase: str
    site_url: str | None
    is_cloud: bool
    version_code: str
    version_number: str
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CompanyInfo:
        codebase = str(data.get("Codebase") or "").strip().strip("/")
        is_cloud = data.get("IsCloud")
        return cls(
            company_name=str(data.get("CompanyName") or ""),
            codebase=f"{codebase}/" if codebase else "",
            site_url=str(data["SiteUrl"]).strip() if data.get("SiteUrl") else None,
            # Seen both as the string "True" and as a JSON boolean.
            is_cloud=is_cloud if isinstance(is_cloud, bool) else str(is_cloud).strip().lower() == "true",
            version_code=str(data.get("VersionCode") or ""),
            version_number=str(data.get("VersionNumber") or ""),
            raw=dict(data),
        )


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    throttled_seconds: float = 0.0


@dataclass
class _Reply:
    body: Any
    headers: Mapping[str, str]


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying; `error` is raised once attempts run out."""

    def __init__(self, error: ConnectWiseError, *, wait: float | None = None, throttled: bool = False) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait
        self.throttled = throttled


def looks_like_fernet_token(value: str) -> bool:
    """True when `value` is a Fernet token: ciphertext that upstream failed to decrypt, not a usable key."""
    if not value.startswith("gAAAAA") or len(value) < 100:
        return False
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, binascii.Error):
        return False
    return raw[:1] == b"\x80" and len(raw) >= 73


def parse_link_header(value: str | None) -> dict[str, str]:
    """RFC 5988 `Link` header -> {rel: url}; tolerant of spacing, case, unquoted, quoted and multi-valued rel."""
    links: dict[str, str] = {}
    text = value or ""
    position = 0
    while (start := text.find("<", position)) >= 0 and (end := text.find(">", start)) >= 0:
        # The link's parameters run to the next comma outside quotes (a title may contain commas).
        cursor, quoted = end + 1, False
        while cursor < len(text) and (quoted or text[cursor] != ","):
            quoted ^= text[cursor] == '"'
            cursor += 1
        for key, param_value in _LINK_PARAM.findall(text[end + 1 : cursor]):
            if key.lower() == "rel":
                for rel in param_value.strip('"').split():
                    links.setdefault(rel.lower(), text[start + 1 : end].strip())
        position = cursor + 1
    return links


def _query_value(url: str, key: str) -> str | None:
    for name, values in parse_qs(urlsplit(url).query).items():
        if name.lower() == key.lower() and values:
            return values[-1]
    return None


class ConnectWiseClient:
    """A read-only ConnectWise PSA REST client for one tenant (see API_NOTES.md for the API it follows)."""

    def __init__(
        self,
        *,
        site: str,
        credentials: Credentials,
        api_version: str = "2025.8",
        timeout: float = 30.0,
        verify_tls: bool = True,
        insecure_hosts: Iterable[str] = ("127.0.0.1", "localhost"),
        allowed_hosts: Iterable[str] = (),
        proxy: str | None = None,
        codebase: str | None = None,
        api_host: str | None = None,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        max_backoff: float = 60.0,
        max_response_bytes: int = 64 * 1024 * 1024,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        site = site.strip()
        if "://" not in site:
            site = f"https://{site}"
        parts = urlsplit(site)
        self._scheme = parts.scheme.lower()
        # Only scheme, host and port matter: people paste login-page URLs with paths.
        self._site_netloc = (parts.netloc.rsplit("@", 1)[-1]).lower()
        self._site_has_userinfo = "@" in parts.netloc
        self.credentials = credentials
        self.api_version = api_version
        self.timeout = timeout
        self.verify_tls = verify_tls
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.max_response_bytes = max_response_bytes
        self.stats = ClientStats()
        self._policy = URLPolicy.build(insecure_hosts=insecure_hosts, allowed_hosts=allowed_hosts)
        self._proxy = proxy
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._codebase = self._normalise_codebase(codebase) if codebase else None
        self._api_host = self._normalise_host_port(api_host) if api_host else None
        self._rediscovered = False
        self.company_info: CompanyInfo | None = None
        self._session = self._configure_session(session or requests.Session())

    def __repr__(self) -> str:
        return (
            f"<ConnectWiseClient site={self.site!r} company_id={self.credentials.company_id!r} "
            f"api_base_url={self.api_base_url!r}>"
        )

    def forget_connections(self) -> None:
        """Drop pooled connections without using them: for a forked process, whose inherited sockets belong to the
        parent (closing our copies sends nothing to the server). Later requests open new connections."""
        for adapter in self._session.adapters.values():
            adapter.close()

    # -- configuration -------------------------------------------------------------------------------------------

    def _configure_session(self, session: requests.Session) -> requests.Session:
        # Environment proxies and ~/.netrc would silently change where credentials go.
        session.trust_env = False
        if self._proxy:
            session.proxies = {"http": self._proxy, "https": self._proxy}
            # Through a proxy the socket peer is the proxy, so the address check is done on resolution instead.
            adapter: HTTPAdapter = HTTPAdapter(max_retries=0)
        else:
            session.proxies = {}
            adapter = PeerCheckingAdapter(self._policy, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers["User-Agent"] = "cw-document-portal (read-only)"
        return session

    @staticmethod
    def _normalise_codebase(codebase: str) -> str:
        return f"{codebase.strip().strip('/')}/"

    @staticmethod
    def _normalise_host_port(value: str) -> str:
        value = value.strip()
        if "://" in value:
            value = urlsplit(value).netloc
        return value.split("/", 1)[0].lower()

    @property
    def site(self) -> str:
        return f"{self._scheme}://{self._site_netloc}"

    @property
    def codebase(self) -> str | None:
        return self._codebase

    @property
    def api_host(self) -> str | None:
        return self._api_host

    @property
    def api_base_url(self) -> str | None:
        if not (self._codebase and self._api_host):
            return None
        return f"{self._scheme}://{self._api_host}/{self._codebase}apis/3.0/"

    def _default_api_host(self) -> str:
        host = urlsplit(self.site).hostname or ""
        if is_cloud_host(host) and not host.startswith("api-"):
            # Cloud requests must use the api- prefixed host, else ConnectWise answers "SSL is required".
            return self._site_netloc.replace(host, f"api-{host}", 1)
        return self._site_netloc

    # -- discovery -----------------------------------------------------------------------------------------------

    def discover(self) -> CompanyInfo:
        """Ask the site which codebase and API host serve this company, and use them from now on."""
        self._refuse_undecryptable_credentials()
        company_id = self.credentials.company_id
        endpoint = "/login/companyinfo"
        url = f"{self.site}/login/companyinfo/{quote(company_id, safe='')}"
        try:
            # Unauthenticated on purpose: the keys are only sent to the API host.
            reply = self._send(url, params=None, headers={"Accept": "application/json"}, endpoint=endpoint)
        except NotFound as exc:
            raise ConnectionFailed(
                f"{self.site} has no ConnectWise login endpoint ({endpoint} answered 404)",
                hint="Check the site URL: use the address you open ConnectWise with, e.g. https://na.myconnectwise.net.",
                status=404,
                endpoint=endpoint,
            ) from exc
        if reply.body is None:
            raise NotFound(
                f"ConnectWise does not know the company ID {company_id!r}",
                hint="Use the company ID typed on the ConnectWise login screen (not the company's display name).",
                endpoint=endpoint,
            )
        if not isinstance(reply.body, dict) or not str(reply.body.get("Codebase") or "").strip("/ "):
            raise ConnectionFailed(
                f"{self.site} answered {endpoint} without a codebase, so it does not look like ConnectWise",
                hint="Check the site URL and region.",
                endpoint=endpoint,
            )
        info = CompanyInfo.from_json(reply.body)
        self.company_info = info
        self._codebase = info.codebase
        self._api_host = self._normalise_host_port(info.site_url) if info.site_url else self._default_api_host()
        logger.debug(
            "ConnectWise company %s: codebase %s, API host %s, version %s",
            company_id,
            self._codebase,
            self._api_host,
            info.version_number,
        )
        return info

    def _ensure_base(self) -> str:
        if self._codebase is None:
            self.discover()
        elif self._api_host is None:
            self._api_host = self._default_api_host()
        assert self.api_base_url is not None  # set by discover() or the lines above
        return self.api_base_url

    # -- requests ------------------------------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET one API path (e.g. "/service/tickets/5") and return the decoded JSON."""
        return self.request("GET", path, params=params)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send a request; only GET is allowed, anything else raises ReadOnlyViolation before sending."""
        if method.strip().upper() != "GET":
            raise ReadOnlyViolation(
                f"Refused to send {method.strip().upper()} {path}: this portal only reads from ConnectWise",
                endpoint=path,
            )
        return self._call(path, params, headers).body

    def count(self, path: str, *, conditions: str | None = None, params: Mapping[str, Any] | None = None) -> int:
        """How many records `path` holds (matching `conditions`), from `GET {path}/count`."""
        base, _, query = path.partition("?")
        query_params = dict(params or {})
        if conditions:
            query_params["conditions"] = conditions
        count_path = f"{base.rstrip('/')}/count" + (f"?{query}" if query else "")
        body = self.get(count_path, params=query_params)
        if not isinstance(body, dict) or not isinstance(body.get("count"), int):
            raise ConnectionFailed(
                f"ConnectWise answered {count_path} without a count",
                hint="Check that the endpoint supports /count.",
                endpoint=count_path,
            )
        return body["count"]

    def iter_pages(
        self,
        path: str,
        *,
        conditions: str | None = None,
        fields: Sequence[str] | None = None,
        order_by: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        forward_only: bool = False,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the records of a list endpoint one page at a time, never holding more than one page."""
        # Validated here, not in the generator, so mistakes surface at the call site.
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE} (ConnectWise's maximum)")
        if forward_only and order_by:
            raise ValueError("Forward-only pagination is always ordered by id: drop order_by")
        query: dict[str, Any] = dict(params or {})
        if conditions:
            query["conditions"] = conditions
        if fields:
            field_list = list(fields)
            if forward_only and "id" not in field_list:
                field_list.append("id")  # the next pageId is the last id returned
            query["fields"] = ",".join(field_list)
        if order_by:
            query["orderBy"] = order_by
        query["pageSize"] = page_size
        if forward_only:
            return self._iter_forward_only(path, query, page_size)
        return self._iter_navigable(path, query, page_size)

    def iter_records(self, path: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Like iter_pages, one record at a time."""
        for page in self.iter_pages(path, **kwargs):
            yield from page

    def _iter_navigable(self, path: str, query: dict[str, Any], page_size: int) -> Iterator[list[dict[str, Any]]]:
        page = 1
        while True:
            # Every page is built from the original query, so conditions can never be lost between pages.
            reply = self._call(path, {**query, "page": page}, None)
            records = self._as_records(reply.body, path)
            if records:
                yield records
            next_url = parse_link_header(reply.headers.get("Link")).get("next")
            if not records or len(records) < page_size or not next_url:
                return
            next_page = _query_value(next_url, "page")
            page = int(next_page) if next_page and next_page.isdigit() and int(next_page) > page else page + 1

    def _iter_forward_only(self, path: str, query: dict[str, Any], page_size: int) -> Iterator[list[dict[str, Any]]]:
        headers = {"pagination-type": "forward-only"}
        page_id: str | None = None
        while True:
            page_query = dict(query) if page_id is None else {**query, "pageId": page_id}
            reply = self._call(path, page_query, headers)
            records = self._as_records(reply.body, path)
            if records:
                yield records
            if not records or len(records) < page_size:
                return
            next_url = parse_link_header(reply.headers.get("Link")).get("next")
            next_id = _query_value(next_url, "pageId") if next_url else None
            if next_id is None and isinstance(records[-1].get("id"), int):
                next_id = str(records[-1]["id"])
            if next_id is None or next_id == page_id:
                raise ConnectionFailed(
                    f"ConnectWise gave no next page for forward-only pagination of {path}",
                    hint="This endpoint may not support forward-only pagination (audit trail endpoints do not); "
                    "use normal pagination for it.",
                    endpoint=path,
                )
            page_id = next_id

    @staticmethod
    def _as_records(body: Any, path: str) -> list[dict[str, Any]]:
        if body is None:
            return []
        if not isinstance(body, list):
            raise ConnectionFailed(
                f"ConnectWise answered {path} with a single object where a list was expected",
                hint="Check the endpoint path: list endpoints end in the plural resource name.",
                endpoint=path,
            )
        return body

    # -- one API call: URL, discovery, re-discovery --------------------------------------------------------------

    def _call(self, path: str, params: Mapping[str, Any] | None, headers: Mapping[str, str] | None) -> _Reply:
        self._refuse_undecryptable_credentials()
        relative, path_query = self._relative_path(path)
        endpoint = f"/{relative}"
        query = {**path_query, **(params or {})}
        all_headers = {**(headers or {}), **self._auth_headers()}
        try:
            return self._send(self._ensure_base() + relative, params=query, headers=all_headers, endpoint=endpoint)
        except NotFound:
            # A codebase changes with each ConnectWise release; a stale one answers 404 for everything.
            if self._rediscovered:
                raise
            self._rediscovered = True
            before = self.api_base_url
            self.discover()
            if self.api_base_url == before:
                raise
            logger.info("ConnectWise moved from %s to %s; retrying %s", before, self.api_base_url, endpoint)
        return self._send(self._ensure_base() + relative, params=query, headers=all_headers, endpoint=endpoint)

    def _relative_path(self, path: str) -> tuple[str, dict[str, Any]]:
        path = path.strip()
        if "://" in path:
            # Absolute URLs (the _href links ConnectWise returns) are accepted only for our own API host.
            parts = urlsplit(path)
            self._ensure_base()
            if normalise_host(parts.netloc) != normalise_host(self._api_host or "") or "/apis/3.0/" not in parts.path:
                raise UnsafeTenantURL(
                    f"Refused to send the API keys to {parts.scheme}://{parts.netloc}: it is not this tenant's API",
                    hint="Pass paths relative to the API, e.g. /service/tickets.",
                )
            path = parts.path.split("/apis/3.0/", 1)[1] + (f"?{parts.query}" if parts.query else "")
        path, _, query = path.partition("?")
        segments = [s for s in path.split("/") if s]
        if not segments or any(s in (".", "..") for s in segments):
            raise ValueError(f"{path!r} is not an API path such as /service/tickets")
        return "/".join(segments), {k: v[-1] for k, v in parse_qs(query).items()}

    def _auth_headers(self) -> dict[str, str]:
        return {
            "Authorization": self.credentials.authorization,
            "clientId": self.credentials.client_id,
            "Accept": f"application/vnd.connectwise.com+json; version={self.api_version}",
        }

    def _refuse_undecryptable_credentials(self) -> None:
        creds = self.credentials
        for label, value in (
            ("public key", creds.public_key),
            ("private key", creds.private_key),
            ("client ID", creds.client_id),
        ):
            if looks_like_fernet_token(value):
                raise UndecryptableCredentials(f"The stored ConnectWise {label} is still encrypted, so it was not sent")

    # -- HTTP: retries, limits, errors ---------------------------------------------------------------------------

    def _send(self, url: str, *, params: Mapping[str, Any] | None, headers: Mapping[str, str], endpoint: str) -> _Reply:
        if self._site_has_userinfo:
            raise UnsafeTenantURL(
                "The ConnectWise site URL must not contain a user name or password",
                hint="Enter only the site address; the API keys go in their own fields.",
            )
        self._policy.check_url(url)
        if self._proxy:
            parts = urlsplit(url)
            self._policy.check_resolved(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        attempt = 0
        while True:
            attempt += 1
            self.stats.requests += 1
            try:
                return self._attempt(url, params, headers, endpoint)
            except _Retry as retry:
                if attempt >= self.max_attempts:
                    raise retry.error from None
                wait = retry.wait if retry.wait is not None else self._backoff(attempt)
                if wait > self.max_backoff:
                    raise retry.error from None  # waiting that long would park a worker; let the caller reschedule
                self.stats.retries += 1
                if retry.throttled:
                    self.stats.throttled_seconds += wait
                logger.warning(
                    "ConnectWise %s (attempt %d of %d); retrying in %.1f s",
                    retry.error.message,
                    attempt,
                    self.max_attempts,
                    wait,
                )
                self._sleep(wait)

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with full jitter, so many workers do not retry in lockstep.
        ceiling = min(self.max_backoff, self.backoff_base * 2 ** (attempt - 1))
        return self._jitter(0.0, ceiling)

    def _attempt(self, url: str, params: Mapping[str, Any] | None, headers: Mapping[str, str], endpoint: str) -> _Reply:
        deadline = self._clock() + self.timeout
        try:
            response = self._session.get(
                url,
                params=params,
                headers=dict(headers),
                timeout=(self.timeout, self.timeout),
                allow_redirects=False,  # a redirect would carry the clientId header to another host
                stream=True,
                verify=self.verify_tls,
            )
        except requests.exceptions.SSLError as exc:
            raise ConnectionFailed(
                f"The TLS certificate of {urlsplit(url).hostname} could not be verified",
                hint="Check the site URL; an on-premise server needs a certificate this server trusts.",
                endpoint=endpoint,
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise _Retry(self._timed_out(url, endpoint)) from exc
        except requests.exceptions.ConnectionError as exc:
            raise self._connection_error(url, endpoint, exc) from exc
        except requests.exceptions.RequestException as exc:
            raise ConnectionFailed(
                f"Could not send the request to {urlsplit(url).hostname}: {self._scrub(str(exc))}",
                endpoint=endpoint,
            ) from exc

        with closing(response):
            status = response.status_code
            self._log_response(response, endpoint)
            if 300 <= status < 400:
                location = self._scrub(response.headers.get("Location", "(no Location header)"))
                raise ConnectionFailed(
                    f"ConnectWise redirected {endpoint} to {location} (HTTP {status}); redirects are not followed",
                    hint="Check the site URL and region; use the address the redirect points to if you trust it.",
                    status=status,
                    endpoint=endpoint,
                )
            if status >= 400:
                raise self._http_error(response, deadline, endpoint)
            raw = self._read_body(response, deadline, endpoint)
        return _Reply(self._decode_json(raw, response, endpoint), response.headers)

    def _timed_out(self, url: str, endpoint: str) -> ConnectionFailed:
        return ConnectionFailed(
            f"{urlsplit(url).hostname} did not answer {endpoint} within {self.timeout:g} seconds",
            hint="ConnectWise may be slow or unreachable from this server; try again later or check the network.",
            endpoint=endpoint,
        )

    def _connection_error(self, url: str, endpoint: str, exc: Exception) -> ConnectWiseError | _Retry:
        host = urlsplit(url).hostname
        reason = exc.args[0] if exc.args else exc
        if isinstance(getattr(reason, "reason", None), urllib3.exceptions.NameResolutionError):
            return ConnectionFailed(
                f"The name {host} could not be resolved (DNS)",
                hint="Check the spelling of the site URL and the region (na, eu, au...).",
                endpoint=endpoint,
            )
        return _Retry(
            ConnectionFailed(
                f"Could not connect to {host} (connection refused or reset)",
                hint="Check the site URL and port, and that this server may reach it through the firewall.",
                endpoint=endpoint,
            )
        )

    def _read_body(self, response: requests.Response, deadline: float, endpoint: str, *, limit: int = 0) -> bytes:
        """Read the decoded body in chunks, enforcing the total deadline and the size cap."""
        cap = limit or self.max_response_bytes
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    raise _Retry(self._timed_out(response.url, endpoint))
                self._limit_socket_wait(response, remaining)
                chunk = response.raw.read1(_READ_CHUNK, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    if limit:  # an error body: its start is enough for the message
                        chunks.append(chunk[: len(chunk) - (size - cap)])
                        break
                    raise ConnectionFailed(
                        f"ConnectWise's answer to {endpoint} is larger than {cap:,} bytes, so it was abandoned",
                        hint="Request fewer records per page or fewer fields.",
                        endpoint=endpoint,
                    )
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
            raise _Retry(
                ConnectionFailed(
                    f"The connection dropped while reading ConnectWise's answer to {endpoint}",
                    hint="Try again; if it keeps happening, check the network between this server and ConnectWise.",
                    endpoint=endpoint,
                )
            ) from exc
        return b"".join(chunks)

    @staticmethod
    def _limit_socket_wait(response: requests.Response, remaining: float) -> None:
        # Each socket read may only wait for what is left of the deadline, so a trickling server cannot
        # stretch one request far beyond `timeout`.
        connection = getattr(response.raw, "connection", None)
        sock = getattr(connection, "sock", None)
        if sock is not None:
            sock.settimeout(max(remaining, 0.001))

    def _decode_json(self, raw: bytes, response: requests.Response, endpoint: str) -> Any:
        if not raw.strip():
            return None
        content_type = response.headers.get("Content-Type", "").lower()
        if "html" in content_type or raw.lstrip()[:1] == b"<":
            raise self._web_page_error(endpoint, response.status_code)
        try:
            return _parse_json(raw)
        except ValueError as exc:
            # A body cut off in transit is as transient as a dropped connection: retry it the same way.
            raise _Retry(
                ConnectionFailed(
                    f"ConnectWise's answer to {endpoint} was not valid JSON (it may have been cut off)",
                    hint="Try again; if it keeps happening, check for a proxy or firewall rewriting responses.",
                    status=response.status_code,
                    endpoint=endpoint,
                )
            ) from exc

    @staticmethod
    def _web_page_error(endpoint: str, status: int) -> ConnectionFailed:
        return ConnectionFailed(
            f"The site answered {endpoint} with a web page, not the API",
            hint="Check the site URL and region (e.g. https://na.myconnectwise.net or your on-premise server).",
            status=status,
            endpoint=endpoint,
        )

    def _http_error(self, response: requests.Response, deadline: float, endpoint: str) -> ConnectWiseError | _Retry:
        status = response.status_code
        try:
            raw = self._read_body(response, deadline, endpoint, limit=_ERROR_BODY_LIMIT)
        except (_Retry, ConnectionFailed):
            raw = b""
        body: Any = None
        if raw.lstrip()[:1] in (b"{", b"["):
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        detail = self._error_detail(body)
        said = f" (ConnectWise said: {detail})" if detail else ""

        if status == 429:
            retry_after = self._retry_after(response, body)
            return _Retry(
                Throttled(retry_after=retry_after, status=status, endpoint=endpoint),
                wait=retry_after,
                throttled=True,
            )
        if status >= 500:
            return _Retry(
                ServerError(
                    f"ConnectWise answered HTTP {status} for {endpoint}{said}", status=status, endpoint=endpoint
                )
            )
        if status == 401:
            return InvalidCredentials(status=status, endpoint=endpoint)
        if status == 403:
            permission = permission_for_endpoint(endpoint)
            return PermissionDenied(
                f"ConnectWise refused {endpoint}: the API member's security role lacks “{permission}”{said}",
                hint=f"Grant “{permission}” to the API member's security role (System › Security Roles), "
                "then try again.",
                permission=permission,
                status=status,
                endpoint=endpoint,
            )
        if status == 404:
            if body is None and raw.lstrip()[:1] == b"<":
                return self._web_page_error(endpoint, status)  # not ConnectWise at all: a wrong URL
            return NotFound(
                f"ConnectWise found nothing at {endpoint} (HTTP 404){said}", status=status, endpoint=endpoint
            )
        if status == 400:
            return BadRequest(
                f"ConnectWise rejected the request to {endpoint}: {detail or 'no reason given'}",
                status=status,
                endpoint=endpoint,
            )
        return ConnectWiseError(
            f"ConnectWise answered HTTP {status} for {endpoint}{said}", status=status, endpoint=endpoint, hint=""
        )

    def _error_detail(self, body: Any) -> str:
        if not isinstance(body, dict):
            return ""
        parts = [str(body.get("message") or body.get("code") or body.get("error") or "")]
        for item in body.get("errors") or []:
            if isinstance(item, dict) and item.get("message"):
                prefix = f"{item['field']}: " if item.get("field") else ""
                parts.append(f"{prefix}{item['message']}")
        return self._scrub("; ".join(p for p in parts if p))[:500]

    def _retry_after(self, response: requests.Response, body: Any) -> float | None:
        header = response.headers.get("Retry-After", "").strip()
        if header:
            try:
                return max(0.0, float(header))
            except ValueError:
                pass
            try:
                when = parsedate_to_datetime(header)
                # Compare with the server's own Date header when present: our clock may disagree with theirs.
                date_header = response.headers.get("Date")
                now = parsedate_to_datetime(date_header).timestamp() if date_header else time.time()
                return max(0.0, when.timestamp() - now)
            except (TypeError, ValueError, IndexError):
                pass
        # The DevGuide's 429 body: {"error":"ConnectWiseAPI","message":"... try again in 30 seconds."}
        if isinstance(body, dict):
            match = _SECONDS_IN_MESSAGE.search(str(body.get("message") or ""))
            if match:
                return float(match.group(1))
        return None

    def _log_response(self, response: requests.Response, endpoint: str) -> None:
        current_version = response.headers.get("api-current-version")
        logger.debug(
            "GET %s -> HTTP %s%s",
            endpoint,
            response.status_code,
            f" (api-current-version {current_version})" if current_version else "",
        )

    def _scrub(self, text: str) -> str:
        for secret in self.credentials.secret_values():
            text = text.replace(secret, _REDACTED)
        return text
