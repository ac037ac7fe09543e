"""The emulator as a WSGI application: ConnectWise-style routing, auth, paging, querying, faults and a test API."""

from __future__ import annotations

import base64
import binascii
import json
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from .dataset import BASE, Dataset, Record
from .faults import EmulatorStats, FaultPlan
from .query import (
    QueryError,
    compile_child_conditions,
    compile_conditions,
    compile_custom_field_conditions,
    format_timestamp,
    parse_fields,
    parse_order_by,
    parse_timestamp,
    select_fields,
    sort_records,
    tokenize,
)
from .store import Clock, Store, UnknownRecord

DEFAULT_COMPANY_ID = "DEMO"
DEFAULT_PUBLIC_KEY = "demo-public"
DEFAULT_PRIVATE_KEY = "demo-private"
DEFAULT_CLIENT_ID = "8d6e1c2a-3f4b-4c5d-9e6f-7a8b9c0d1e2f"

CODEBASE = "v2025_1/"
ACCEPTED_CODEBASES = frozenset({"v2025_1", "v4_6_release"})
API_VERSION = "2025.1"
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000
JSON_TYPE = "application/json; charset=utf-8"

# Security-role modules as a ConnectWise admin names them, mapped to the endpoint groups they guard.
MODULE_GROUPS = {
    "companies": ("company",),
    "service desk": ("service",),
    "project": ("project",),
    "sales": ("sales",),
    "finance": ("finance",),
    "time & expense": ("time",),
    "time and expense": ("time",),
    "system": ("system",),
    "procurement": ("procurement",),
}

StartResponse = Callable[..., Any]
_BASE_BYTES = BASE.encode()


@dataclass(frozen=True)
class EmulatorCredentials:
    """The API member's keys a client must present (Basic `companyId+publicKey:privateKey` plus `clientId`)."""

    company_id: str = DEFAULT_COMPANY_ID
    public_key: str = DEFAULT_PUBLIC_KEY
    private_key: str = DEFAULT_PRIVATE_KEY
    client_id: str | None = DEFAULT_CLIENT_ID  # None accepts any non-empty clientId


class DropConnection(Exception):
    """Raised by the app to make EmulatorServer close the socket without answering."""


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def error_body(code: str, message: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "errors": errors}


def json_response(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, body, [("Content-Type", JSON_TYPE), *headers])


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.response = json_response(status, error_body(code, message, errors))


def not_found(message: str = "The requested resource was not found.") -> HttpError:
    return HttpError(404, "NotFound", message)


@dataclass
class Route:
    """A resolved API path: which collection, and list / count / one record."""

    key: str
    action: str  # list | count | item
    parent_id: int | None = None
    record_id: int | None = None


def _updated_since(conditions: str) -> tuple[str, int] | None:
    """(operator, epoch) when `conditions` is exactly `lastUpdated > [t]` or `>= [t]` (an incremental sync's query)."""
    if not conditions or "lastupdated" not in conditions.lower():
        return None
    try:
        tokens = tokenize(conditions)
    except QueryError:
        return None
    if len(tokens) != 3:
        return None
    field_token, operator, literal = tokens
    if field_token.kind != "word" or field_token.text.strip("/").lower() != "lastupdated":
        return None
    if operator.kind != "op" or operator.value not in (">", ">=") or literal.kind != "datetime":
        return None
    return operator.value, literal.value.epoch


class Emulator:
    """A ConnectWise PSA REST API stand-in. Call it as a WSGI app; drive mutations and faults from Python."""

    def __init__(
        self,
        *,
        seed: int = 42,
        scale: str | int = "small",
        credentials: EmulatorCredentials | None = None,
        denied_groups: Iterable[str] = (),
        faults: FaultPlan | None = None,
        company_name: str = "Demo MSP Solutions",
    ) -> None:
        self.credentials = credentials or EmulatorCredentials()
        self.denied_groups = set(denied_groups)
        self.faults = faults or FaultPlan()
        self.stats = EmulatorStats()
        self.clock = Clock()
        self.company_name = company_name
        self.dataset = Dataset(seed, scale)
        self.store = Store(self.dataset, self.clock)
        keys = [key for key, table in self.dataset.tables.items() if table.parent_key is None]
        self._top_keys = sorted(keys, key=lambda k: -k.count("/"))

    # ------------------------------------------------------------------ Python mutation API

    def get_record(self, collection: str, record_id: int) -> Record:
        return self.store.get(collection, record_id)

    def update_record(self, collection: str, record_id: int, changes: dict[str, Any]) -> Record:
        """Change fields of a record; `_info.lastUpdated` moves to the emulator clock (strictly increasing)."""
        return self.store.update(collection, record_id, changes)

    def add_record(self, collection: str, fields: dict[str, Any], *, parent_id: int | None = None) -> Record:
        """Create a record (next free id); child collections ("service/tickets/notes") need parent_id."""
        return self.store.add(collection, fields, parent_id=parent_id)

    def delete_record(self, collection: str, record_id: int) -> None:
        """Remove a record: it vanishes from lists and counts, and GET /{id} answers 404."""
        self.store.delete(collection, record_id)

    def warm(self, collections: Iterable[str]) -> int:
        """Pre-render every record of these top-level collections (for benchmarks: pages are then served from
        memory, as a real PSA serves them from its database, instead of being generated on first request).
        Lifts the serialised-record cache bound; returns the bytes held."""
        self.store.json_cache_bytes = None
        for key in collections:
            for record_id in self.store.ids(key):
                self.store.get_json(key, record_id)
            self.store.updated_after(key, 0)  # and its lastUpdated index, as a database holds one
        return self.store.json_cached_bytes

    @property
    def collections(self) -> list[str]:
        return sorted(self.dataset.tables)

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        # Always consume the body: on a keep-alive connection unread bytes would be parsed as the next request.
        body = self._read_body(environ)
        if path.startswith("/_emulator/") or path == "/_emulator":
            response = self._control(environ, path, body)
            return self._send(start_response, response)
        request_number = self.stats.count_request(self._stats_path(path))
        if self.faults.latency_ms:
            self.stats.count_fault("latency")
            time.sleep(self.faults.latency_ms / 1000)
        kind, truncate = self.faults.decide(request_number)
        if kind is not None:
            self.stats.count_fault(kind)
            if kind == "dropped":
                raise DropConnection
            response = self._fault_response(kind)
        else:
            try:
                response = self._handle(environ, path)
            except HttpError as error:
                response = error.response
            if truncate and response.body:
                self.stats.count_fault("truncated")
                response.body = response.body[: max(1, len(response.body) // 2)]
        return self._send(start_response, response)

    def _send(self, start_response: StartResponse, response: Response) -> list[bytes]:
        self.stats.count_status(response.status)
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(f"{response.status} {_REASONS.get(response.status, 'Unknown')}", headers)
        return [response.body]

    @staticmethod
    def _stats_path(path: str) -> str:
        marker = "/apis/3.0"
        at = path.find(marker)
        return path[at + len(marker) :] or "/" if at >= 0 else path

    def _fault_response(self, kind: str) -> Response:
        plan = self.faults
        if kind == "rate_limited":
            seconds = plan.retry_after if plan.retry_after is not None else 30
            message = f"Too many requests. Please try again in {seconds} seconds."
            payload = (
                {"error": "ConnectWiseAPI", "message": message}
                if plan.rate_limit_style == "cloudflare"
                else error_body("TooManyRequests", message)
            )
            headers = [("Retry-After", str(plan.retry_after))] if plan.retry_after is not None else []
            return json_response(429, payload, headers)
        if kind == "server_error":
            status = plan.error_status
            return json_response(
                status,
                error_body(
                    "InternalServerError" if status == 500 else "ServiceUnavailable",
                    "An error has occurred. Please try again later.",
                ),
            )
        page = (
            "<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head>\n"
            "<body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request "
            "due to maintenance downtime or capacity problems. Please try again later.</p>"
            "<hr><p>cloudflare</p></body></html>\n"
        )
        return Response(plan.html_status, page.encode(), [("Content-Type", "text/html; charset=utf-8")])

    # ------------------------------------------------------------------ request handling

    def _handle(self, environ: dict[str, Any], path: str) -> Response:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT')}"
        segments = [s for s in path.split("/") if s]
        if len(segments) == 3 and segments[0].lower() == "login" and segments[1].lower() == "companyinfo":
            if method != "GET":
                raise self._method_not_allowed(method)
            return self._company_info(segments[2], host)
        if len(segments) < 3 or segments[0].lower() not in ACCEPTED_CODEBASES or segments[1:3] != ["apis", "3.0"]:
            raise not_found(f"No HTTP resource was found that matches the request URI '{path}'.")
        self._authenticate(environ, require_client_id=True)
        rest = segments[3:]
        relative = "/".join(rest)
        if self._denied(relative):
            raise HttpError(403, "Forbidden", "Improper security role settings for the supplied authentication.")
        if method != "GET":
            raise self._method_not_allowed(method)
        params = {k.lower(): v for k, v in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)}
        scheme = environ.get("wsgi.url_scheme", "http")
        api_root = f"{scheme}://{host}/{segments[0]}/apis/3.0"
        if [s.lower() for s in rest] == ["system", "info"]:
            payload: Any = self.dataset.system_info()
            return self._json(payload, api_root, host)
        route = self._route(rest)
        forward_only = environ.get("HTTP_PAGINATION_TYPE", "").lower() == "forward-only"
        return self._serve(route, params, api_root, host, forward_only, environ.get("QUERY_STRING", ""))

    def _method_not_allowed(self, method: str) -> HttpError:
        error = HttpError(405, "MethodNotAllowed", f"The requested resource does not support http method '{method}'.")
        error.response.headers.append(("Allow", "GET"))
        return error

    def _company_info(self, company_id: str, host: str) -> Response:
        if company_id.lower() != self.credentials.company_id.lower():
            return json_response(200, None)  # ConnectWise answers an unknown company with a null body
        return json_response(
            200,
            {
                "CompanyName": self.company_name,
                "Codebase": CODEBASE,
                "VersionCode": "v2025.1",
                "VersionNumber": "v4.6.10333",
                "CompanyID": self.credentials.company_id,
                "IsCloud": False,
                "SiteUrl": host,
            },
        )

    def _authenticate(self, environ: dict[str, Any], *, require_client_id: bool) -> None:
        unauthorized = HttpError(401, "Unauthorized", "The supplied authentication is incorrect.")
        header = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise unauthorized
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise unauthorized from None
        user, _, private_key = decoded.partition(":")
        company_id, _, public_key = user.partition("+")
        creds = self.credentials
        if (
            company_id.lower() != creds.company_id.lower()
            or public_key != creds.public_key
            or private_key != creds.private_key
        ):
            raise unauthorized
        if not require_client_id:
            return
        client_id = environ.get("HTTP_CLIENTID", "").strip()
        # ConnectWise requires a registered clientId on every call since 2019 (API_NOTES §1.2).
        if not client_id:
            raise HttpError(
                401,
                "Unauthorized",
                "A clientId header is required. Register one at "
                "https://developer.connectwise.com/ClientID and send it as the clientId header.",
            )
        if creds.client_id is not None and client_id.lower() != creds.client_id.lower():
            raise HttpError(401, "Unauthorized", f"The clientId '{client_id}' is not valid.")

    def _denied(self, relative: str) -> bool:
        path = relative.lower().strip("/")
        for group in self.denied_groups:
            normalised = group.lower().strip().strip("/")
            for prefix in MODULE_GROUPS.get(normalised, (normalised,)):
                if path == prefix or path.startswith(prefix + "/"):
                    return True
        return False

    def _route(self, rest: list[str]) -> Route:
        lowered = [s.lower() for s in rest]
        for key in self._top_keys:
            key_segments = key.lower().split("/")
            if lowered[: len(key_segments)] != key_segments:
                continue
            tail = rest[len(key_segments) :]
            if not tail:
                return Route(key, "list")
            if len(tail) == 1 and tail[0].lower() == "count":
                return Route(key, "count")
            if not tail[0].isdigit():
                continue
            parent_id = int(tail[0])
            if len(tail) == 1:
                return Route(key, "item", record_id=parent_id)
            child_key = next((k for k in self.dataset.tables if k.lower() == f"{key}/{tail[1]}".lower()), None)
            if child_key is None or len(tail) > 3:
                break
            if not self.store.exists(key, parent_id):
                raise not_found(f"{self.dataset.tables[key].noun} with id {parent_id} not found.")
            if len(tail) == 2:
                return Route(child_key, "list", parent_id=parent_id)
            if tail[2].lower() == "count":
                return Route(child_key, "count", parent_id=parent_id)
            if tail[2].isdigit():
                return Route(child_key, "item", parent_id=parent_id, record_id=int(tail[2]))
            break
        raise not_found(f"No HTTP resource was found that matches the request URI '/{'/'.join(rest)}'.")

    # ------------------------------------------------------------------ serving collections

    def _serve(
        self, route: Route, params: dict[str, str], api_root: str, host: str, forward_only: bool, query_string: str
    ) -> Response:
        key = route.key
        table = self.dataset.tables[key]
        if route.action == "item":
            assert route.record_id is not None
            record_id = route.record_id
            if not self.store.exists(key, record_id) or (
                route.parent_id is not None and self.store.parent_of(key, record_id) != route.parent_id
            ):
                raise not_found(f"{table.noun} with id {record_id} not found.")
            if "fields" in params:
                record = select_fields(self.store.get(key, record_id), self._fields(params["fields"]))
                return self._json(record, api_root, host)
            return self._json_bytes(self.store.get_json(key, record_id), api_root, host)

        try:
            ids = self._filtered_ids(key, route.parent_id, params, forward_only)
        except QueryError as error:
            raise HttpError(400, "InvalidObject", str(error)) from None
        if route.action == "count":
            return self._json({"count": len(ids)}, api_root, host)

        page_size = self._int_param(params, "pagesize", DEFAULT_PAGE_SIZE)
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise HttpError(
                400,
                "InvalidObject",
                f"The field pageSize must be between 1 and {MAX_PAGE_SIZE}.",
                [
                    {
                        "code": "OutOfRange",
                        "message": f"The field pageSize must be between 1 and {MAX_PAGE_SIZE}.",
                        "resource": "pagination",
                        "field": "pageSize",
                    }
                ],
            )
        headers: list[tuple[str, str]] = []
        if forward_only:
            if params.get("orderby"):
                raise HttpError(400, "InvalidObject", "orderBy is not supported with forward-only pagination.")
            page_ids = ids[:page_size]
            next_id = page_ids[-1] if page_ids else self._int_param(params, "pageid", 0)
            headers.append(("Link", f'<{self._page_url(api_root, route, query_string, pageId=next_id)}>; rel="next"'))
            records = page_ids
        else:
            page = self._int_param(params, "page", 1)
            if page < 1:
                raise HttpError(400, "InvalidObject", "The field page must be greater than 0.")
            records_or_ids: list[Any] = ids
            if params.get("orderby"):
                try:
                    terms = parse_order_by(params["orderby"])
                except QueryError as error:
                    raise HttpError(400, "InvalidObject", str(error)) from None
                if [t.path for t in terms] == [("id",)]:
                    records_or_ids = list(reversed(ids)) if terms[0].descending else ids
                else:
                    records_or_ids = sort_records([self.store.get(key, i) for i in ids], terms)
            total = len(records_or_ids)
            chunk = records_or_ids[(page - 1) * page_size : page * page_size]
            records = chunk
            last = max(1, -(-total // page_size))
            headers.extend(self._link_header(api_root, route, query_string, page, last, page_size))
        # `records` holds ids (and, when sorted by another field, built records).
        if key == "sales/opportunities/forecast" or "fields" in params:
            records = [self.store.get(key, item) if isinstance(item, int) else item for item in records]
            if key == "sales/opportunities/forecast":
                assert route.parent_id is not None
                records = [self.dataset.forecast_container(route.parent_id, records)]
            if "fields" in params:
                paths = self._fields(params["fields"])
                records = [select_fields(record, paths) for record in records]
            return self._json(records, api_root, host, headers)
        # The common case: the page is the join of each record's cached JSON, byte for byte what json.dumps of the
        # list would give.
        get_json, dumps = self.store.get_json, self.store.dumps
        parts = [get_json(key, item) if isinstance(item, int) else dumps(item) for item in records]
        return self._json_bytes(b"[" + b",".join(parts) + b"]", api_root, host, headers)

    def _filtered_ids(self, key: str, parent_id: int | None, params: dict[str, str], forward_only: bool) -> list[int]:
        ids = self.store.ids(key, parent_id)
        table = self.dataset.tables[key]
        if key == "system/documents" and table.column and ("recordtype" in params or "recordid" in params):
            record_type = params.get("recordtype", "").lower()
            record_id = params.get("recordid", "")
            ids = [
                i
                for i in ids
                if (not record_type or str(self._document_value(i, "recordtype")).lower() == record_type)
                and (not record_id or str(self._document_value(i, "recordid")) == record_id)
            ]
        if forward_only:
            # ids are ascending, so "Id > pageId" is a slice; a scan per page would make full syncs quadratic.
            ids = ids[bisect_right(ids, self._int_param(params, "pageid", 0)) :]
        conditions = params.get("conditions", "").strip()
        since = _updated_since(conditions) if parent_id is None and not self._other_conditions(params) else None
        if since is not None:
            updated = self.store.updated_after(key, since[1], inclusive=since[0] == ">=")
            if updated is not None:
                return [i for i in ids if i in updated]
        predicates = []
        if conditions:
            predicates.append(compile_conditions(params["conditions"]))
        if params.get("childconditions", "").strip():
            predicates.append(compile_child_conditions(params["childconditions"]))
        if params.get("customfieldconditions", "").strip():
            predicates.append(compile_custom_field_conditions(params["customfieldconditions"]))
        for predicate in predicates:
            view = self.store.view
            ids = [i for i in ids if predicate(view(key, i))]
        return ids

    @staticmethod
    def _other_conditions(params: dict[str, str]) -> bool:
        return bool(params.get("childconditions", "").strip() or params.get("customfieldconditions", "").strip())

    def _document_value(self, document_id: int, name: str) -> Any:
        table = self.dataset.tables["system/documents"]
        if document_id in table.ids and table.column:
            return table.column(document_id, name)
        record = self.store.get("system/documents", document_id)
        return record.get({"recordtype": "recordType", "recordid": "recordId"}[name])

    @staticmethod
    def _fields(source: str) -> list[tuple[str, ...]]:
        try:
            return parse_fields(source)
        except QueryError as error:
            raise HttpError(400, "InvalidObject", str(error)) from None

    @staticmethod
    def _int_param(params: dict[str, str], name: str, default: int) -> int:
        raw = params.get(name, "")
        if raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise HttpError(400, "InvalidObject", f"The value '{raw}' is not valid for {name}.") from None

    def _page_url(self, api_root: str, route: Route, query_string: str, **overrides: int) -> str:
        path = route.key
        if route.parent_id is not None:
            parent, child = route.key.rsplit("/", 1)
            path = f"{parent}/{route.parent_id}/{child}"
        kept = [
            (k, v)
            for k, v in parse_qsl(query_string, keep_blank_values=True)
            if k.lower() not in {o.lower() for o in overrides}
        ]
        kept.extend((k, str(v)) for k, v in overrides.items())
        return f"{api_root}/{path}?{urlencode(kept, quote_via=quote)}"

    def _link_header(
        self, api_root: str, route: Route, query_string: str, page: int, last: int, page_size: int
    ) -> list[tuple[str, str]]:
        links = []
        if page > 1:
            links.append(f'<{self._page_url(api_root, route, query_string, pageSize=page_size, page=1)}>; rel="first"')
            previous = min(page - 1, last)
            links.append(
                f'<{self._page_url(api_root, route, query_string, pageSize=page_size, page=previous)}>; rel="prev"'
            )
        if page < last:
            links.append(
                f'<{self._page_url(api_root, route, query_string, pageSize=page_size, page=page + 1)}>; rel="next"'
            )
            links.append(
                f'<{self._page_url(api_root, route, query_string, pageSize=page_size, page=last)}>; rel="last"'
            )
        return [("Link", ", ".join(links))] if links else []

    def _json(self, payload: Any, api_root: str, host: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        text = text.replace(BASE, api_root).replace("{{host}}", host)
        return Response(
            200, text.encode(), [("Content-Type", JSON_TYPE), ("api-current-version", API_VERSION), *headers]
        )

    def _json_bytes(self, body: bytes, api_root: str, host: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
        """Like _json for text already serialised (UTF-8): the placeholders are filled in on the bytes."""
        if b"{{" in body:
            body = body.replace(_BASE_BYTES, api_root.encode()).replace(b"{{host}}", host.encode())
        return Response(200, body, [("Content-Type", JSON_TYPE), ("api-current-version", API_VERSION), *headers])

    # ------------------------------------------------------------------ /_emulator test API

    def _control(self, environ: dict[str, Any], path: str, raw_body: bytes) -> Response:
        try:
            self._authenticate(environ, require_client_id=False)
            method = environ.get("REQUEST_METHOD", "GET").upper()
            parts = [s for s in path.split("/") if s][1:]
            body = self._parse_json(raw_body) if method in ("POST", "PUT", "PATCH") else {}
            if parts == ["stats"] and method == "GET":
                return json_response(200, self.stats.as_dict())
            if parts == ["stats", "reset"] and method == "POST":
                self.stats.reset()
                return json_response(200, self.stats.as_dict())
            if parts == ["faults"]:
                if method == "DELETE":
                    self.faults.clear()
                elif method in ("PUT", "POST", "PATCH"):
                    try:
                        self.faults.configure(**body)
                    except (ValueError, TypeError) as error:
                        raise HttpError(400, "InvalidObject", str(error)) from None
                return json_response(200, self.faults.as_dict())
            if parts == ["clock"]:
                if "advance" in body:
                    self.clock.advance(int(body["advance"]))
                if "now" in body:
                    stamp = parse_timestamp(str(body["now"]))
                    if stamp is None:
                        raise HttpError(400, "InvalidObject", "now must be an ISO-8601 timestamp.")
                    self.clock.set(stamp)
                return json_response(200, {"now": format_timestamp(self.clock.now())})
            if parts[:1] == ["records"] and len(parts) > 1:
                return self._control_record(method, parts[1:], body)
            raise not_found(f"Unknown emulator control endpoint '{path}'.")
        except HttpError as error:
            return error.response

    def _control_record(self, method: str, rest: list[str], body: dict[str, Any]) -> Response:
        route = self._route(rest)
        try:
            if route.action == "list" and method == "POST":
                return json_response(201, self.store.add(route.key, body, parent_id=route.parent_id))
            if route.action == "item" and route.record_id is not None:
                if method == "PATCH":
                    return json_response(200, self.store.update(route.key, route.record_id, body))
                if method == "DELETE":
                    self.store.delete(route.key, route.record_id)
                    return Response(204)
                if method == "GET":
                    return json_response(200, self.store.get(route.key, route.record_id))
        except UnknownRecord:
            raise not_found(f"{self.dataset.tables[route.key].noun} with id {route.record_id} not found.") from None
        raise self._method_not_allowed(method)

    @staticmethod
    def _read_body(environ: dict[str, Any]) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        return environ["wsgi.input"].read(length) if length > 0 else b""

    @staticmethod
    def _parse_json(raw: bytes) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            raise HttpError(400, "InvalidObject", "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise HttpError(400, "InvalidObject", "The request body must be a JSON object.")
        return data
