"""The knowledgebase: named snippets of standard text that templates use as `kb.<slug>` and inputs can start from."""

from __future__ import annotations

from django.db.models import QuerySet

from documents.models import KnowledgebaseSnippet

KB_ROOT = "kb"


def knowledgebase_snippets() -> QuerySet[KnowledgebaseSnippet]:
    """Active snippets, by name."""
    return KnowledgebaseSnippet.objects.filter(is_active=True).order_by("name")


def knowledgebase_context() -> dict[str, str]:
    """slug → body for every active snippet; slugs with '-' are read with '_' (`kb.standard_terms`)."""
    return {snippet.variable_name: snippet.body for snippet in knowledgebase_snippets().only("slug", "body")}


def knowledgebase_snippet_body(*, slug: str) -> str | None:
    """The body of an active snippet, or None when there is no such snippet."""
    return knowledgebase_snippets().filter(slug=slug).values_list("body", flat=True).first()
