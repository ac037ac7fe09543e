"""Context builders: PSA cache rows → plain data for document templates, one module per object type.

Conventions every builder follows (documented in the variable reference of the admin):
- `record_ids` are ConnectWise ids (ticket numbers, project numbers…) of the default active connection, or of
  `options["connection_id"]` when given; a missing or deleted record is a ContextBuildError naming it.
- Keys are snake_case; dates are ISO 8601 strings for the `date` filter; money and hours are numbers.
- Custom fields sit under `custom`, keyed by their caption in snake_case: `company.custom.contract_tier`.
- Several selected records: the first one's variables at the top level, each one under `records[]`, plus
  `aggregates` (at least `aggregates.count`).
- Everything is copied from an allow-list of payload fields; never ORM objects, `_info` links or secrets.
"""

from __future__ import annotations

from documents.contexts import VariableInfo, register_context_builder

SELECTION_VARIABLES = (
    VariableInfo("records", "Several records selected: one entry each, with the same variables as the top level"),
    VariableInfo("aggregates.count", "Several records selected: how many", 3),
)


def register_builders() -> None:
    """Register every context builder with the documents seam (called from DocumentsConfig.ready)."""
    from documents.builders.agreement import AGREEMENT_VARIABLES, build_agreement_context
    from documents.builders.common import MY_COMPANY_VARIABLES
    from documents.builders.company import COMPANY_VARIABLES, build_company_context
    from documents.builders.configuration import (
        CONFIGURATION_VARIABLES,
        CONTACT_VARIABLES,
        build_configuration_context,
        build_contact_context,
    )
    from documents.builders.opportunity import OPPORTUNITY_VARIABLES, build_opportunity_context
    from documents.builders.project import PROJECT_VARIABLES, build_project_context
    from documents.builders.service_ticket import SERVICE_TICKET_VARIABLES, build_service_ticket_context

    builders = {
        "project": (build_project_context, PROJECT_VARIABLES),
        "company": (build_company_context, COMPANY_VARIABLES),
        "service_ticket": (build_service_ticket_context, SERVICE_TICKET_VARIABLES),
        "opportunity": (build_opportunity_context, OPPORTUNITY_VARIABLES),
        "agreement": (build_agreement_context, AGREEMENT_VARIABLES),
        "configuration": (build_configuration_context, CONFIGURATION_VARIABLES),
        "contact": (build_contact_context, CONTACT_VARIABLES),
    }
    for object_type, (builder, variables) in builders.items():
        register_context_builder(object_type, builder, [*MY_COMPANY_VARIABLES, *variables, *SELECTION_VARIABLES])
