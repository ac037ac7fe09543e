"""Every staff URL refuses anonymous visitors (login redirect) and users without its permission (friendly 403)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from documents.models import DocumentBatch, GeneratedDocument
from documents.services import document_generate
from integrations.models import SyncRun
from tests.staff.conftest import ALL_PORTAL_PERMISSIONS

EXCLUDED_NAMESPACES = {"admin"}
EXCLUDED_NAMES = {"login", "logout"}


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    """(route, qualified name, pattern) for every URL pattern, recursing into includes."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner or "")
        elif isinstance(entry, URLPattern) and entry.name not in EXCLUDED_NAMES:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield prefix + str(entry.pattern), name, entry


@pytest.fixture
def existing_ids(connection, make_projects, sow_template, make_user) -> dict[str, object]:
    """Ids of real rows, so every converter of every URL resolves to something that exists."""
    owner = make_user("owner", *ALL_PORTAL_PERMISSIONS)
    project = make_projects(1)[0]
    document = document_generate(template=sow_template, record_ids=[project.psa_id], fmt=None, user=owner)
    batch = DocumentBatch.objects.create(template=sow_template, record_ids=[project.psa_id], format="docx", total=1)
    run = SyncRun.objects.create(connection=connection, status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now())
    return {
        "document": document.pk,
        "batch": batch.pk,
        "run": run.pk,
        "connection_id": connection.pk,
        "psa_id": project.psa_id,
        "slug": sow_template.slug,
        "object_type": "project",
    }


def kwargs_for(name: str, route: str, ids: dict[str, object]) -> dict[str, object]:
    kwargs = {}
    for kwarg in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if kwarg == "pk":
            kwargs[kwarg] = ids["batch"] if "batch" in name else ids["run"] if "sync_run" in name else ids["document"]
        else:
            kwargs[kwarg] = ids[kwarg]
    return kwargs


def staff_urls(ids: dict[str, object]) -> list[tuple[str, str]]:
    urls = [
        (name, reverse(name, kwargs=kwargs_for(name, route, ids)))
        for route, name, _ in walk(get_resolver().url_patterns)
    ]
    assert len(urls) >= 15, urls  # the walk found the apps' pages, not only the home page
    return urls


def test_every_url_sends_anonymous_visitors_to_the_login_page(client, existing_ids):
    for name, url in staff_urls(existing_ids):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (name, url, response.status_code)
            assert response.url.startswith(reverse("login")), (name, url)
            assert GeneratedDocument.objects.count() == 1


def test_every_url_refuses_staff_without_the_permission(client, make_user, existing_ids):
    client.force_login(make_user("nobody"))  # staff, no permission at all
    for name, url in staff_urls(existing_ids):
        if name == "home":
            assert client.get(url).status_code == 200  # the start page only says what to ask for
            continue
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 403, (name, url, response.status_code)
            assert "ask an administrator" in response.content.decode(), (name, url)
    assert GeneratedDocument.objects.count() == 1
    assert SyncRun.objects.count() == 1


def test_every_url_refuses_non_staff_users_even_with_every_permission(client, make_user, existing_ids):
    client.force_login(make_user("outsider", *ALL_PORTAL_PERMISSIONS, "documents.view_generateddocument", staff=False))
    for name, url in staff_urls(existing_ids):
        response = client.get(url)
        assert response.status_code == 403, (name, url, response.status_code)
        assert "for staff members" in response.content.decode()


def test_a_superuser_reaches_every_page(client, superuser, existing_ids):
    client.force_login(superuser)
    for name, url in staff_urls(existing_ids):
        response = client.get(url)
        # POST-only pages answer 405 to a GET, the DOCX has no inline view and the pending batch no zip yet (404):
        # what matters is that access is granted, not refused or sent to the login page.
        assert response.status_code in (200, 302, 404, 405), (name, url, response.status_code)
        assert response.status_code != 302 or not response.url.startswith(reverse("login")), (name, url)


def test_the_403_page_names_the_missing_permission(client, make_user):
    client.force_login(make_user("reader", "portal.view_records"))
    response = client.get(reverse("documents:template_choose"))
    assert response.status_code == 403
    assert "“Generate documents”" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_404_and_500_pages_are_friendly(client, superuser, settings):
    client.force_login(superuser)
    response = client.get(reverse("integrations:record_list", args=["spaceships"]))
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")
