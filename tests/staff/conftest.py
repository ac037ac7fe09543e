"""Fixtures for the staff pages: users with given portal permissions, cached PSA records, a project template."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from docx import Document

from documents import contexts
from documents.contexts import VariableInfo
from documents.errors import ContextBuildError
from documents.models import DocumentTemplate
from documents.services import document_template_create
from integrations.cache_models import Company, Project
from integrations.models import Connection
from integrations.services import default_connection

ALL_PORTAL_PERMISSIONS = ("portal.view_records", "portal.generate_documents", "portal.run_syncs")


def grant(user: Any, *permissions: str) -> Any:
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


@pytest.fixture
def make_user(db, django_user_model) -> Callable[..., Any]:
    """make_user("ann", "portal.view_records", staff=True): a user holding exactly these permissions."""

    def make(username: str, *permissions: str, staff: bool = True) -> Any:
        user = django_user_model.objects.create_user(username, f"{username}@example.com", "pw", is_staff=staff)
        return grant(user, *permissions)

    return make


@pytest.fixture
def staff_client(client, make_user) -> Callable[..., Any]:
    """staff_client("portal.view_records"): the test client logged in as a staff user with these permissions."""

    def login(*permissions: str, username: str = "staff") -> Any:
        client.force_login(make_user(username, *permissions))
        return client

    return login


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENTS_RENDER_ISOLATED = False  # the isolated worker is tested with the documents app


def cached(model: type, connection: Connection, psa_id: int, **columns: Any) -> Any:
    return model.objects.create(
        connection=connection,
        psa_id=psa_id,
        data={"id": psa_id},
        data_hash=str(psa_id),
        synced_at=timezone.now(),
        **columns,
    )


@pytest.fixture
def make_projects(connection) -> Callable[[int], list[Project]]:
    """n projects of two companies, on two boards, open and closed."""

    def make(n: int, *, start: int = 1000) -> list[Project]:
        for psa_id, name in ((1, "Contoso Ltd"), (2, "Fabrikam Inc")):
            Company.objects.get_or_create(
                connection=connection,
                psa_id=psa_id,
                defaults={"name": name, "data": {}, "data_hash": "c", "synced_at": timezone.now()},
            )
        return [
            cached(
                Project,
                connection,
                start + index,
                name=f"Project {index:03d}" if index else "Network refresh",
                company_psa_id=1 + index % 2,
                board_name="Professional Services" if index % 2 else "Managed Services",
                status_name="Open" if index % 3 else "Closed",
                closed=not index % 3,
                estimated_start=timezone.now() - timezone.timedelta(days=index),
            )
            for index in range(n)
        ]

    return make


def build_cached_project_context(*, record_ids: list[int], user: Any, options: dict) -> dict:
    """A small `project` builder over the cache, like the real one: unknown ids are an error a person can act on."""
    connection = default_connection()
    projects = {p.psa_id: p for p in Project.objects.filter(connection=connection, psa_id__in=record_ids)}
    missing = [psa_id for psa_id in record_ids if psa_id not in projects or projects[psa_id].is_deleted]
    if missing:
        raise ContextBuildError(f"Project #{missing[0]} is no longer in ConnectWise: pick another project.")
    project = projects[record_ids[0]]
    company = Company.objects.filter(connection=connection, psa_id=project.company_psa_id).first()
    return {
        "project": {
            "id": project.psa_id,
            "name": project.name,
            "status": project.status_name,
            "company": {"name": company.name if company else ""},
            "phases": [{"name": "Design", "hours": 4}, {"name": "Build", "hours": 12}],
        },
        "projects": [{"id": psa_id, "name": projects[psa_id].name} for psa_id in record_ids],
    }


PROJECT_VARIABLES = [
    VariableInfo("project.name", "Project name", "Network refresh"),
    VariableInfo("project.company.name", "Client company", "Contoso Ltd"),
    VariableInfo("project.phases[].name", "Phase name", "Design"),
]


@pytest.fixture
def project_builder() -> Iterator[None]:
    """Registers the cache-backed test builder for `project`, restoring whatever was registered before."""
    with contexts.context_builder_replaced("project", build_cached_project_context, PROJECT_VARIABLES):
        yield


def sow_docx() -> bytes:
    """A Statement of Work template: a heading, text with PSA data and inputs, and a table."""
    document = Document()
    document.add_heading("Statement of Work", level=1)
    document.add_paragraph("Project: {{ project.name }} for {{ project.company.name }}")
    document.add_heading("Scope", level=2)
    document.add_paragraph("{{ inputs.scope }}")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text = "Phase"
    table.rows[0].cells[1].text = "Hours"
    table.rows[1].cells[0].text = "{%tr for phase in project.phases %}"
    table.add_row()
    table.rows[2].cells[0].text = "{{ phase.name }}"
    table.rows[2].cells[1].text = "{{ phase.hours }}"
    table.add_row()
    table.rows[3].cells[0].text = "{%tr endfor %}"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def sow_template(db, project_builder) -> DocumentTemplate:
    return document_template_create(
        name="Statement of Work",
        slug="statement-of-work",
        object_type="project",
        fmt="docx",
        kind=DocumentTemplate.Kind.STATEMENT_OF_WORK,
        user=None,
        docx_bytes=sow_docx(),
        docx_filename="sow.docx",
    )
