"""Security hardening: hostile templates, secrets in every output, the tenant-URL guard, the key, idempotence."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest
import responses
from cryptography.fernet import Fernet
from django.contrib import admin
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from documents.errors import TemplateRenderError
from documents.rendering.docx import render_docx
from documents.rendering.pdf import render_pdf
from integrations.connectwise import ConnectWiseClient, Credentials, UnsafeTenantURL
from integrations.emulator import Emulator, EmulatorCredentials, EmulatorServer
from integrations.models import Connection, SyncRun, SyncWatermark
from integrations.object_types import object_types_resolve
from integrations.services import ConnectionNotUsable, build_client, connection_test
from integrations.sync import sync_connection
from tests.conftest import CLIENT_ID, PRIVATE_KEY, PUBLIC_KEY, SECRETS
from tests.documents.builders import docx_bytes, docx_text
from tests.documents.test_sandbox import HOSTILE as SANDBOX_HOSTILE
from tests.integrations.sync.conftest import make_connection, no_sleep, run_sync
from tests.staff.test_access import walk

# ------------------------------------------------------------------------------------------------ hostile templates

EXTRA_HOSTILE = [
    "{{ x|attr('__class__') }}",
    "{{ ()|attr('__class__')|attr('__base__') }}",
    "{{ '{0.__class__}'.format(project) }}",
    "{{ '%s'|format(project.__class__) }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ project.__dict__ }}",
    "{{ project.items.__self__ }}",
    "{{ self.__init__.__globals__ }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}{{ os }}",
    "{% extends '/etc/passwd' %}",
    "{% from '/etc/passwd' import x %}",
    "{{ range(10**9)|list|length }}",
    "{{ 'x' * 10**9 }}",
    "{{ 9 ** 9 ** 9 }}",
    "{{ [1] * 10**9 }}",
    "{% for a in range(10**6) %}{% for b in range(10**6) %}{% endfor %}{% endfor %}",
    "{{ settings.SECRET_KEY }}{{ config }}{{ request }}",
]
CORPUS = [*SANDBOX_HOSTILE, *EXTRA_HOSTILE]
LEAK_MARKERS = ("uid=", "root:", "<class", "__globals__", "test-secret-key", "function", "module")


def contained(render) -> str:
    """ "refused" (TemplateRenderError), "contained" (rendered, nothing leaked) or what leaked."""
    try:
        text = render()
    except TemplateRenderError:
        return "refused"
    leaked = [marker for marker in LEAK_MARKERS if marker in text]
    return f"LEAKED {leaked}" if leaked else "contained"


@pytest.mark.scenario("hostile template corpus (docx + pdf)")
def test_every_hostile_template_in_the_corpus_is_refused_or_contained(scenario):
    context = {"project": {"name": "p", "items": [1]}}
    outcomes = {}
    for expression in CORPUS:
        outcomes[f"docx {expression}"] = contained(lambda e=expression: docx_text(render_docx(docx_bytes(e), context)))
        outcomes[f"pdf {expression}"] = contained(
            lambda e=expression: render_pdf(f"<p>{e}</p>", "", context).decode("latin-1")
        )

    refused = sum(1 for o in outcomes.values() if o == "refused")
    scenario.record(f"{len(CORPUS)} templates x 2 formats: {refused} refused, {len(outcomes) - refused} contained")
    assert len(CORPUS) >= 28
    assert {k: o for k, o in outcomes.items() if o.startswith("LEAKED")} == {}


# ------------------------------------------------------------------------------------------------ secrets


class Capture(logging.Handler):
    """Every log record, formatted with its exception text, from every logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + " " + repr(record.args))


@pytest.fixture
def capture() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def secret_emulator() -> Emulator:
    credentials = EmulatorCredentials(public_key=PUBLIC_KEY, private_key=PRIVATE_KEY, client_id=CLIENT_ID)
    return Emulator(seed=3, scale=40, credentials=credentials)


def page_urls(connection: Connection, run: SyncRun) -> list[str]:
    """Every admin changelist, the connection and run change pages, and every staff page that needs no id."""
    urls = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry]
    urls += [
        reverse("admin:integrations_connection_change", args=[connection.pk]),
        reverse("admin:integrations_syncrun_change", args=[run.pk]),
    ]
    for route, name, _ in walk(__import__("django.urls", fromlist=["get_resolver"]).get_resolver().url_patterns):
        if "<" not in route:
            try:
                urls.append(reverse(name))
            except NoReverseMatch:
                continue
    return urls


@pytest.mark.slow
@pytest.mark.scenario("secrets: admin + staff pages, Test Connection, 401 sync")
@pytest.mark.django_db
def test_no_secret_appears_in_logs_pages_or_errors(admin_client_logged_in, capture, scenario):
    emulator = secret_emulator()
    bodies: list[str] = []
    errors: list[str] = []
    with EmulatorServer(emulator) as server:
        connection = make_connection(server.base_url, name="Secretive")
        connection.public_key, connection.private_key, connection.client_id = PUBLIC_KEY, PRIVATE_KEY, CLIENT_ID
        connection.save()
        good = connection_test(connection=connection)
        run = run_sync(connection, mode="full", types=["companies", "tickets"])
        tested = admin_client_logged_in.post(f"/admin/integrations/connection/{connection.pk}/test/", follow=True)
        bodies.append(tested.content.decode())
        urls = page_urls(connection, run)
        for url in urls:
            response = admin_client_logged_in.get(url)
            bodies.append(f"{url} {response.status_code} {response.content.decode(errors='replace')}")

        emulator.credentials = EmulatorCredentials(public_key=PUBLIC_KEY, private_key="rotated", client_id=CLIENT_ID)
        bad = connection_test(connection=connection)
        failed = run_sync(connection, mode="full", types=["companies"])
        try:
            build_client(connection, sleep=no_sleep).get("/system/info")
        except Exception as exc:  # the exception text a traceback would show
            errors.append(f"{type(exc).__name__}: {exc} {exc!r} {getattr(exc, 'hint', '')}")
        bodies.append(admin_client_logged_in.get(reverse("admin:integrations_syncrun_change", args=[failed.pk]))
                      .content.decode())  # fmt: skip

    errors += [good.message, bad.message, *failed.errors, str(failed.type_results)]
    haystack = "\n".join([*capture.lines, *bodies, *errors])
    leaked = [secret for secret in SECRETS if secret in haystack]
    scenario.record(f"{len(urls)} pages, {len(capture.lines)} log records, test {bad.ok}, sync {failed.status}; "
                    f"leaked: {leaked or 'none'}")  # fmt: skip
    assert good.ok and run.status == SyncRun.Status.SUCCEEDED
    assert not bad.ok and failed.status == SyncRun.Status.FAILED
    assert "rejected" in bad.message.lower() or "401" in bad.message
    assert len(urls) >= 20 and len(capture.lines) > 10
    assert leaked == []


# ------------------------------------------------------------------------------------------------ tenant URL guard


class Listener:
    """A loopback TCP server that records every connection and every byte it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.received = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(0.3)
            try:
                while chunk := conn.recv(4096):
                    self.received += chunk
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


GUARD_CASES = [
    ("127.0.0.1", ()),
    ("[::ffff:127.0.0.1]", ()),
    ("169.254.169.254", ()),
    ("0.0.0.0", ()),  # noqa: S104 - a host to refuse, not one to bind
    ("100.64.0.1", ()),
    ("2130706433", ()),
    ("localhost", ("localhost",)),  # a name resolving to loopback, even when listed as an on-premise host
]


@pytest.mark.scenario("tenant-URL guard")
@pytest.mark.parametrize(("host", "allowed"), GUARD_CASES, ids=[h for h, _ in GUARD_CASES])
def test_the_tenant_url_guard_refuses_before_a_byte_is_sent(host, allowed, scenario):
    listener = Listener()
    try:
        client = ConnectWiseClient(
            site=f"https://{host}:{listener.port}",
            credentials=Credentials(company_id="acme", public_key=PUBLIC_KEY, private_key=PRIVATE_KEY,
                                    client_id=CLIENT_ID),
            insecure_hosts=(),
            allowed_hosts=allowed,
            sleep=no_sleep,
        )  # fmt: skip
        with pytest.raises(UnsafeTenantURL) as refused:
            client.discover()
    finally:
        listener.close()

    scenario.record(f"refused; {listener.connections} TCP connects, {len(listener.received)} bytes received")
    assert listener.received == b""
    assert not any(secret in str(refused.value) for secret in SECRETS)


# ------------------------------------------------------------------------------------------------ encryption key


@pytest.mark.scenario("wrong FIELD_ENCRYPTION_KEY: refused before any request")
@pytest.mark.django_db
def test_a_wrong_encryption_key_is_detected_before_any_request(connection, scenario):
    with override_settings(FIELD_ENCRYPTION_KEY=[Fernet.generate_key().decode()]), responses.RequestsMock() as sent:
        reloaded = Connection.objects.get(pk=connection.pk)
        run = sync_connection(connection=reloaded, mode="full", types=["companies"])
        tested = connection_test(connection=reloaded)
        with pytest.raises(ConnectionNotUsable):
            build_client(reloaded)

    scenario.record(f"sync {run.status}, test ok={tested.ok}; {len(sent.calls)} requests sent")
    assert len(sent.calls) == 0
    assert run.status == SyncRun.Status.FAILED
    assert any("FIELD_ENCRYPTION_KEY" in error for error in run.errors)
    assert not tested.ok and "FIELD_ENCRYPTION_KEY" in tested.message


# ------------------------------------------------------------------------------------------------ idempotence


def snapshot(connection: Connection, types: list[str]) -> dict:
    """Every cached row (without its synced_at stamp) and every watermark of the connection."""
    rows = {}
    for object_type in object_types_resolve(types):
        fields = [f.name for f in object_type.model._meta.concrete_fields if f.name not in ("id", "synced_at")]
        rows[object_type.key] = sorted(
            tuple(str(v) for v in row)
            for row in object_type.model.objects.filter(connection=connection).values_list(*fields)
        )
    marks = sorted(SyncWatermark.objects.filter(connection=connection).values_list("object_type", "last_updated"))
    return {"rows": rows, "watermarks": marks}


@pytest.mark.scenario("sync twice: identical rows and watermarks")
@pytest.mark.django_db
def test_syncing_twice_leaves_identical_rows_and_watermarks(shared_emulator, scenario):
    types = ["companies", "contacts", "tickets"]
    connection = make_connection(shared_emulator[1], name="Twice")
    first = run_sync(connection, mode="full", types=types)
    after_first = snapshot(connection, types)
    second = run_sync(connection, mode="full", types=types)
    after_second = snapshot(connection, types)
    third = run_sync(connection, types=types)  # incremental, nothing changed

    changed = sum(r["created"] + r["updated"] + r["deleted"] for r in [*second.type_results.values(),
                                                                       *third.type_results.values()])  # fmt: skip
    scenario.record(f"{sum(len(v) for v in after_first['rows'].values())} rows; second+third runs changed {changed}")
    assert first.status == second.status == third.status == SyncRun.Status.SUCCEEDED
    assert after_first == after_second == snapshot(connection, types)
    assert changed == 0


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[tuple[Emulator, str]]:
    emulator = Emulator(seed=42, scale=60)
    with EmulatorServer(emulator) as server:
        yield emulator, server.base_url
