"""History: one's own documents, everyone's with documents.view_generateddocument; nobody fetches another's file."""

from __future__ import annotations

import pytest
from django.urls import reverse

from documents.models import GeneratedDocument
from documents.services import document_generate


@pytest.fixture
def documents_of(sow_template, make_projects, make_user):
    projects = make_projects(2)

    def make(username: str, count: int = 1, *permissions: str) -> tuple:
        user = make_user(username, "portal.generate_documents", *permissions)
        made = [
            document_generate(
                template=sow_template,
                record_ids=[projects[i % 2].psa_id],
                fmt=None,
                user=user,
                free_variables={"scope": f"{username} scope {i}"},
            )
            for i in range(count)
        ]
        return user, made

    return make


def test_a_user_sees_only_their_own_documents(client, documents_of):
    ann, _ = documents_of("ann")
    documents_of("bob")
    client.force_login(ann)
    page = client.get(reverse("documents:history")).content.decode()
    assert page.count("<td>ann</td>") == 1
    assert "<td>bob</td>" not in page


def test_one_user_cannot_fetch_another_users_document(client, documents_of):
    ann, _ = documents_of("ann")
    _, (bobs,) = documents_of("bob")
    client.force_login(ann)
    for name in ("document_detail", "document_download", "document_inline"):
        assert client.get(reverse(f"documents:{name}", args=[bobs.pk])).status_code == 404, name
    assert client.post(reverse("documents:document_regenerate", args=[bobs.pk])).status_code == 404
    assert GeneratedDocument.objects.count() == 2


def test_the_view_permission_shows_and_serves_everyones_documents(client, documents_of):
    auditor, _ = documents_of("auditor", 0, "documents.view_generateddocument")
    _, (bobs,) = documents_of("bob")
    client.force_login(auditor)
    assert "<td>bob</td>" in client.get(reverse("documents:history")).content.decode()
    assert "<td>bob</td>" not in client.get(reverse("documents:history"), {"mine": "1"}).content.decode()
    assert client.get(reverse("documents:document_download", args=[bobs.pk])).status_code == 200


def test_the_history_shows_template_version_records_format_and_size(client, documents_of):
    ann, (document,) = documents_of("ann")
    client.force_login(ann)
    page = client.get(reverse("documents:history")).content.decode()
    assert 'Statement of Work <span class="muted">v1</span>' in page
    assert f"#{document.record_ids[0]}" in page and "<td>DOCX</td>" in page
    assert "KB" in page


def test_regenerate_uses_the_same_records_and_inputs(client, documents_of):
    ann, (original,) = documents_of("ann")
    client.force_login(ann)
    response = client.post(reverse("documents:document_regenerate", args=[original.pk]))
    again = GeneratedDocument.objects.exclude(pk=original.pk).get()
    assert response.url == reverse("documents:document_detail", args=[again.pk])
    assert (again.record_ids, again.free_variables) == (original.record_ids, original.free_variables)
    assert again.created_by == ann


def test_history_queries_do_not_grow_with_the_rows(client, documents_of, django_assert_max_num_queries):
    auditor, _ = documents_of("auditor", 5, "documents.view_generateddocument")
    client.force_login(auditor)
    url = reverse("documents:history")
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).status_code == 200
    for index in range(3):
        documents_of(f"user{index}", 15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
