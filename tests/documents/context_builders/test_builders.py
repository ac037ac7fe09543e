"""Context builders against a cache synced from the emulator: content, allow-list, internal notes, errors, queries."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.utils import timezone

from documents.builders.reference import variable_reference_rows
from documents.contexts import OBJECT_TYPE_LABELS, build_context, variable_reference
from documents.errors import ContextBuildError
from documents.rendering.sandbox import flatten_paths
from integrations.emulator import DEFAULT_CLIENT_ID, DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY
from integrations.models import (
    Agreement,
    Company,
    Configuration,
    Contact,
    Opportunity,
    Project,
    ProjectPhase,
    ProjectTicket,
    ServiceTicket,
    ServiceTicketNote,
)

pytestmark = pytest.mark.django_db


def build(object_type: str, *ids: int, **options) -> dict:
    return build_context(object_type=object_type, record_ids=list(ids), user=None, options=options)


def a_record(model, psa, **filters) -> int:
    return model.objects.filter(connection=psa, is_deleted=False, **filters).order_by("psa_id").first().psa_id


def sample_ids(psa) -> dict[str, list[int]]:
    client = Company.objects.filter(connection=psa, type_names="Client").order_by("psa_id").first()
    config_ids = list(Configuration.objects.filter(connection=psa).values_list("psa_id", flat=True)[:2])
    ticket_ids = list(ServiceTicket.objects.filter(connection=psa).values_list("psa_id", flat=True)[:2])
    return {
        "project": [a_record(Project, psa)],
        "company": [client.psa_id],
        "service_ticket": ticket_ids,
        "opportunity": [a_record(Opportunity, psa)],
        "agreement": [a_record(Agreement, psa)],
        "configuration": config_ids,
        "contact": [a_record(Contact, psa)],
    }


def test_project_context_has_company_phases_tickets_and_totals(psa):
    project = Project.objects.filter(connection=psa).order_by("psa_id").first()
    phase_names = set(
        ProjectPhase.objects.filter(connection=psa, project_psa_id=project.psa_id).values_list("description", flat=True)
    )
    summaries = set(
        ProjectTicket.objects.filter(connection=psa, project_psa_id=project.psa_id).values_list("summary", flat=True)
    )

    context = build("project", project.psa_id)

    assert context["project"]["name"] == project.name
    assert context["company"]["name"] == Company.objects.get(connection=psa, psa_id=project.company_psa_id).name
    assert {phase["name"] for phase in context["phases"]} >= phase_names
    nested = {ticket["summary"] for phase in context["phases"] for ticket in phase["tickets"]}
    assert nested == summaries == {ticket["summary"] for ticket in context["tickets"]}
    totals = context["totals"]
    ticket_count = ProjectTicket.objects.filter(connection=psa, project_psa_id=project.psa_id).count()
    assert totals["ticket_count"] == ticket_count == totals["open_tickets"] + totals["closed_tickets"]
    assert totals["budget_hours"] == project.data["budgetHours"]
    assert context["manager"]["name"] == project.data["manager"]["name"]
    assert context["team"] and context["team"][0]["name"]
    assert context["my_company"]["name"] == "Demo MSP Solutions"
    assert context["my_company"]["email"] == "help@demo-msp.example.net"


def test_company_context_has_statistics_and_charts(psa):
    company_id = sample_ids(psa)["company"][0]
    tickets = ServiceTicket.objects.filter(connection=psa, company_psa_id=company_id, is_deleted=False)

    context = build("company", company_id)

    statistics = context["statistics"]
    assert statistics["ticket_count"] == tickets.count()
    assert statistics["open_ticket_count"] == tickets.filter(closed=False).count() == len(context["open_tickets"])
    assert sum(row["count"] for row in statistics["tickets_by_status"]) == tickets.count()
    assert set(context["charts"]) == {"tickets_by_status", "tickets_by_priority", "hours_by_month"}
    assert context["contacts"] and context["sites"]
    assert all(addition["description"] for agreement in context["agreements"] for addition in agreement["additions"])


def test_contexts_hold_allow_listed_plain_data_only(psa):
    ids = sample_ids(psa)
    for object_type in OBJECT_TYPE_LABELS:
        context = build(object_type, *ids[object_type], include_internal_notes=True)
        text = json.dumps(context)  # plain data: anything else would not serialise

        assert '"_info"' not in text and "_href" not in text, object_type
        assert psa.custom_url not in text and "127.0.0.1" not in text, object_type
        for secret in (DEFAULT_PUBLIC_KEY, DEFAULT_PRIVATE_KEY, DEFAULT_CLIENT_ID):
            assert secret not in text, object_type
        assert "********" not in text, f"{object_type}: a password answer reached the template"
        assert "mobileGuid" not in text and "connectWiseId" not in text


def test_every_variable_a_context_offers_is_documented(psa):
    ids = sample_ids(psa)
    for object_type in OBJECT_TYPE_LABELS:
        documented = [info.path for info in variable_reference(object_type)]
        patterns = [
            re.compile(re.escape(path).replace(re.escape("<caption>"), r"[a-z0-9_]+") + r"($|\.|\[\])")
            for path in documented
        ]
        context = build(object_type, *ids[object_type])
        leaves = [path for path in flatten_paths(context) if not path.startswith(("charts.", "records"))]
        undocumented = [path for path in leaves if not any(pattern.match(path) for pattern in patterns)]
        undocumented = [path for path in undocumented if not any(d.startswith(path) for d in documented)]
        assert not undocumented, f"{object_type}: {undocumented[:5]}"


def test_internal_notes_are_left_out_unless_the_template_opts_in(psa):
    note = ServiceTicketNote.objects.filter(connection=psa, internal=True, is_deleted=False).first()

    default = build("service_ticket", note.ticket_psa_id)
    opted_in = build("service_ticket", note.ticket_psa_id, include_internal_notes=True)

    assert default["notes"] and not any(n["internal"] for n in default["notes"])
    assert note.psa_id not in {n["id"] for n in default["notes"]}
    assert note.psa_id in {n["id"] for n in opted_in["notes"]}


def test_a_deleted_project_is_a_clear_error(psa):
    project = Project.objects.filter(connection=psa).first()
    Project.objects.filter(pk=project.pk).update(is_deleted=True, synced_at=timezone.now())

    gone = rf"Project #{project.psa_id} is no longer in ConnectWise \(deleted on "
    with pytest.raises(ContextBuildError, match=gone):
        build("project", project.psa_id)
    with pytest.raises(ContextBuildError, match=r"Ticket #999999 is not in the portal's copy of ConnectWise"):
        build("service_ticket", 999999)


def test_deleted_rows_are_left_out_of_lists(psa):
    company_id = sample_ids(psa)["company"][0]
    gone = ServiceTicket.objects.filter(connection=psa, company_psa_id=company_id).first()
    gone.is_deleted = True
    gone.save(update_fields=["is_deleted"])

    context = build("company", company_id)

    assert gone.psa_id not in {ticket["id"] for ticket in context["tickets"]}


def test_several_records_give_a_records_list_and_aggregates(psa):
    ids = sample_ids(psa)["service_ticket"]

    context = build("service_ticket", *ids)

    assert [record["ticket"]["id"] for record in context["records"]] == ids
    assert context["aggregates"]["count"] == 2
    assert context["ticket"]["id"] == ids[0]  # the first record at the top level for single-record templates
    assert [ticket["id"] for ticket in context["tickets"]] == ids


def test_custom_fields_are_keyed_by_caption(psa):
    ticket = next(
        t
        for t in ServiceTicket.objects.filter(connection=psa).order_by("psa_id")
        if any(f.get("caption") == "Root Cause" and "value" in f for f in t.data.get("customFields", []))
    )
    expected = next(f["value"] for f in ticket.data["customFields"] if f["caption"] == "Root Cause")

    assert build("service_ticket", ticket.psa_id)["ticket"]["custom"]["root_cause"] == expected


def test_a_project_with_1000_tickets_builds_fast_in_few_queries(psa, django_assert_max_num_queries):
    project = Project.objects.filter(connection=psa).order_by("psa_id").first()
    phase = ProjectPhase.objects.filter(connection=psa, project_psa_id=project.psa_id).first()
    template = ProjectTicket.objects.filter(connection=psa, project_psa_id=project.psa_id).first()
    ProjectTicket.objects.bulk_create(
        [
            ProjectTicket(
                connection=psa,
                psa_id=900_000 + n,
                data={**template.data, "id": 900_000 + n, "summary": f"Bulk task {n}", "wbsCode": f"1.{n + 100}"},
                data_hash="x",
                synced_at=timezone.now(),
                project_psa_id=project.psa_id,
                phase_psa_id=phase.psa_id,
                summary=f"Bulk task {n}",
            )
            for n in range(1000)
        ]
    )

    started = time.monotonic()
    with django_assert_max_num_queries(16):
        context = build("project", project.psa_id)
    elapsed = time.monotonic() - started

    assert context["totals"]["ticket_count"] >= 1000
    assert elapsed < 2.0


def test_variable_reference_takes_samples_from_the_cache(psa, admin_client_logged_in):
    sections = {section["object_type"]: section for section in variable_reference_rows()}
    company_names = set(Company.objects.filter(connection=psa).values_list("name", flat=True))
    company_name = next(row for row in sections["company"]["rows"] if row["path"] == "company.name")
    assert company_name["sample"] in company_names

    response = admin_client_logged_in.get("/admin/documents/documenttemplate/variables/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "project.phases[].tickets[].summary" not in page  # paths are as documented: phases[].tickets[].summary
    assert "phases[].tickets[].summary" in page and "company.custom.&lt;caption&gt;" in page
    assert company_name["sample"].replace("'", "&#x27;") in page
