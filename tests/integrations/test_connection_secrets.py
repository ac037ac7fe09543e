"""Connection secrets: encrypted at rest, write-only in the admin, undecryptable values detected, keys rotated."""

from __future__ import annotations

import io
import logging

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection as db
from django.test import override_settings

from integrations.fields import UndecryptableSecret
from integrations.models import Connection
from integrations.services import ConnectionNotUsable, build_client
from tests.conftest import CLIENT_ID, PRIVATE_KEY, PUBLIC_KEY, SECRETS


def raw_secret_columns(pk: int) -> tuple[str, str, str]:
    with db.cursor() as cursor:
        cursor.execute("SELECT public_key, private_key, client_id FROM integrations_connection WHERE id = %s", [pk])
        return cursor.fetchone()


def test_secrets_are_encrypted_in_the_database_and_read_back_as_plaintext(connection):
    stored = raw_secret_columns(connection.pk)
    for secret, column in zip(SECRETS, stored, strict=True):
        assert secret not in column
        assert column.startswith("gAAAAA")
    reloaded = Connection.objects.get(pk=connection.pk)
    assert (reloaded.public_key, reloaded.private_key, reloaded.client_id) == SECRETS


def test_a_wrong_key_is_detected_instead_of_passing_ciphertext_off_as_the_secret(connection):
    with override_settings(FIELD_ENCRYPTION_KEY=[Fernet.generate_key().decode()]):
        reloaded = Connection.objects.get(pk=connection.pk)
        assert reloaded.undecryptable_fields() == ["public_key", "private_key", "client_id"]
        assert isinstance(reloaded.private_key, UndecryptableSecret)
        with pytest.raises(ConnectionNotUsable, match="cannot be decrypted with the current FIELD_ENCRYPTION_KEY"):
            build_client(reloaded)
        errors = [e for e in run_checks() if e.id == "integrations.E001"]
        assert len(errors) == 1 and "Acme MSP" in errors[0].msg


def test_saving_a_connection_with_undecryptable_secrets_keeps_the_ciphertext_intact(connection):
    before = raw_secret_columns(connection.pk)
    with override_settings(FIELD_ENCRYPTION_KEY=[Fernet.generate_key().decode()]):
        reloaded = Connection.objects.get(pk=connection.pk)
        reloaded.name = "Renamed"
        reloaded.save()
    assert raw_secret_columns(connection.pk) == before
    # with the right key back, nothing was lost
    assert Connection.objects.get(pk=connection.pk).private_key == PRIVATE_KEY


def test_rotate_encryption_key_reencrypts_with_the_first_key(connection):
    old_key = settings.FIELD_ENCRYPTION_KEY[0]
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEY=[new_key, old_key]):
        out = io.StringIO()
        call_command("rotate_encryption_key", stdout=out)
        assert "1 connection(s)" in out.getvalue()
    # only the new key is needed now
    with override_settings(FIELD_ENCRYPTION_KEY=[new_key]):
        reloaded = Connection.objects.get(pk=connection.pk)
        assert reloaded.undecryptable_fields() == []
        assert (reloaded.public_key, reloaded.private_key, reloaded.client_id) == SECRETS


def test_rotate_encryption_key_reports_values_no_key_can_read(connection):
    with (
        override_settings(FIELD_ENCRYPTION_KEY=[Fernet.generate_key().decode()]),
        pytest.raises(CommandError, match="Acme MSP"),
    ):
        call_command("rotate_encryption_key", stdout=io.StringIO())
    assert Connection.objects.get(pk=connection.pk).private_key == PRIVATE_KEY


def test_admin_change_page_never_renders_a_stored_secret(admin_client_logged_in, connection):
    response = admin_client_logged_in.get(f"/admin/integrations/connection/{connection.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "All three are stored (encrypted)." in html
    for secret in SECRETS:
        assert secret not in html
    for column in raw_secret_columns(connection.pk):
        assert column not in html


def _form_data(connection: Connection, **overrides: str) -> dict:
    data = {
        "name": connection.name,
        "region": connection.region,
        "custom_url": "",
        "company_id": connection.company_id,
        "public_key": "",
        "private_key": "",
        "client_id": "",
        "api_version": connection.api_version,
        "is_active": "on",
        "is_default": "on",
        "verify_tls": "on",
        "timeout_seconds": "30",
    }
    data.update(overrides)
    return data


def test_admin_blank_secret_keeps_the_stored_value_and_a_new_value_replaces_it(admin_client_logged_in, connection):
    url = f"/admin/integrations/connection/{connection.pk}/change/"
    response = admin_client_logged_in.post(url, _form_data(connection, company_id="acme2"))
    assert response.status_code == 302, response.content.decode()[:2000]
    reloaded = Connection.objects.get(pk=connection.pk)
    assert reloaded.company_id == "acme2"
    assert (reloaded.public_key, reloaded.private_key, reloaded.client_id) == SECRETS

    response = admin_client_logged_in.post(url, _form_data(connection, private_key="brand-new-private"))
    assert response.status_code == 302
    assert Connection.objects.get(pk=connection.pk).private_key == "brand-new-private"


def test_admin_requires_secrets_when_adding(admin_client_logged_in, db):
    response = admin_client_logged_in.post(
        "/admin/integrations/connection/add/",
        _form_data(Connection(name="New", region="na", company_id="x")),
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Connection.objects.filter(name="New").exists()


def test_a_custom_region_needs_a_url(admin_client_logged_in, connection):
    response = admin_client_logged_in.post(
        f"/admin/integrations/connection/{connection.pk}/change/", _form_data(connection, region="custom")
    )
    assert "Enter the site URL of your ConnectWise server" in response.content.decode()


def test_only_one_connection_is_default(connection):
    other = Connection.objects.create(
        name="Other", company_id="o", public_key="a", private_key="b", client_id="c", is_default=True
    )
    connection.refresh_from_db()
    assert other.is_default and not connection.is_default


def test_psa_connection_add_and_list_never_print_secrets(db, caplog):
    caplog.set_level(logging.DEBUG)
    out = io.StringIO()
    call_command(
        "psa_connection",
        "add",
        "--name",
        "Emu",
        "--site",
        "http://127.0.0.1:8765",
        "--company-id",
        "DEMO",
        "--public-key",
        PUBLIC_KEY,
        "--private-key",
        PRIVATE_KEY,
        "--client-id",
        CLIENT_ID,
        "--default",
        stdout=out,
    )
    call_command("psa_connection", "list", stdout=out)
    text = out.getvalue() + caplog.text
    assert "Added connection 'Emu' (http://127.0.0.1:8765)" in text
    assert "Emu\thttp://127.0.0.1:8765\tDEMO\tnever tested\tdefault" in text
    for secret in SECRETS:
        assert secret not in text
    emu = Connection.objects.get(name="Emu")
    assert emu.region == Connection.Region.CUSTOM and emu.private_key == PRIVATE_KEY


def test_psa_connection_add_maps_cloud_sites_to_their_region(db):
    call_command(
        "psa_connection",
        "add",
        "--name",
        "EU",
        "--site",
        "https://eu.myconnectwise.net/",
        "--company-id",
        "c",
        "--public-key",
        "p",
        "--private-key",
        "k",
        "--client-id",
        "i",
        stdout=io.StringIO(),
    )
    assert Connection.objects.get(name="EU").region == Connection.Region.EU


def test_psa_connection_test_without_connections_fails_with_a_clear_message(db):
    with pytest.raises(CommandError, match="No connection yet"):
        call_command("psa_connection", "test")


def test_secrets_never_appear_in_repr_or_dumpdata(connection):
    assert PRIVATE_KEY not in repr(connection)
    out = io.StringIO()
    call_command("dumpdata", "integrations.connection", stdout=out)
    for secret in SECRETS:
        assert secret not in out.getvalue()


@pytest.mark.parametrize("path", ["django_q/schedule/", "django_q/success/", "django_q/failure/"])
def test_task_and_schedule_admin_pages_are_for_superusers_only(client, django_user_model, path):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="django_q"))
    client.force_login(staff)
    assert client.get(f"/admin/{path}").status_code == 403
    staff.is_superuser = True
    staff.save()
    assert client.get(f"/admin/{path}").status_code == 200
