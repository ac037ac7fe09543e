"""Prompt-driven drafting of a template's free inputs by an optional OpenAI-compatible provider (the one HTTP seam).

What is sent is built by `drafting_payload` and shown to the person before anything leaves the portal: only the
record fields the template itself puts in the document, without notes or anything internal, trimmed to a size a
model accepts. The answer must be a JSON object of input name → text; it only ever fills the form, the person
reviews it, and generating without a draft always works. The API key goes in the Authorization header and never
into a log line, a page or an error message.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import requests
from django.utils import timezone

from documents.contexts import FREE_VARIABLE_ROOT, build_context
from documents.errors import DocumentError
from documents.models import DocumentTemplate, DraftingProvider
from documents.services import MAX_FREE_VARIABLE_CHARS, free_variable_names
from integrations.fields import UndecryptableSecret

logger = logging.getLogger(__name__)

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Context roots never sent: the person's inputs, snippets, charts, images, who is generating, when.
UNSENT_ROOTS = frozenset({FREE_VARIABLE_ROOT, "kb", "charts", "images", "user", "generated_at", "my_company"})
MAX_LIST_ITEMS = 25
MAX_ITEMS_SCANNED = 1_000
MAX_TEXT_CHARS = 1_000
MAX_PAYLOAD_CHARS = 40_000
SYSTEM_PROMPT = (
    "You draft short passages for a business document an IT service provider sends to its client. "
    "You get the person's instructions, the names of the passages to write and the record data the document "
    "shows. Answer with one JSON object only: each key one of the given names, each value plain text "
    "(no Markdown). Do not invent facts that are not in the data."
)


class DraftingError(DocumentError):
    """The provider could not produce a draft; the message says why in words (never the API key)."""


# --- the provider -------------------------------------------------------------------------------------------


def drafting_provider() -> DraftingProvider | None:
    """The configured provider when drafting is on and complete; None hides the feature."""
    provider = DraftingProvider.objects.order_by("pk").first()
    return provider if provider is not None and provider.is_usable else None


def check_endpoint_url(url: str) -> None:
    """https only; plain http only for a provider on this machine (127.0.0.1/localhost)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return
    raise DraftingError(
        "The AI provider URL must start with https:// (plain http is only allowed for 127.0.0.1 or localhost)."
    )


# --- what is sent -------------------------------------------------------------------------------------------


def _segments(path: str) -> list[str]:
    return re.findall(r"\[\]|[^.\[\]]+", path)


def _project(value: Any, segments: list[str]) -> Any:
    """The part of `value` a path reaches (`open_tickets[].summary` → a list of {summary})."""
    if not segments:
        return value
    head, rest = segments[0], segments[1:]
    if head == "[]":
        return [_project(item, rest) for item in value] if isinstance(value, list) else value
    if isinstance(value, dict):
        return {head: _project(value[head], rest)} if head in value else {}
    return value  # e.g. `company.name.upper`: a method of a value the path already reached


def _merge(left: Any, right: Any) -> Any:
    if isinstance(left, dict) and isinstance(right, dict):
        merged = dict(left)
        for key, value in right.items():
            merged[key] = _merge(merged[key], value) if key in merged else value
        return merged
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [_merge(a, b) for a, b in zip(left, right, strict=True)]
    return right


def _is_private(key: str) -> bool:
    key = key.lower()
    return key == "notes" or "internal" in key


def _clean(value: Any, *, items: int) -> Any:
    """Drop notes and internal items, shorten long lists and texts, keep plain JSON types only."""
    if isinstance(value, dict):
        if value.get("internal") is True:
            return None
        return {
            key: _clean(item, items=items)
            for key, item in value.items()
            if not _is_private(key) and not (isinstance(item, dict) and item.get("internal") is True)
        }
    if isinstance(value, list | tuple):
        kept = [item for item in value if not (isinstance(item, dict) and item.get("internal") is True)]
        return [_clean(item, items=items) for item in kept[:items]]
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT_CHARS else value[:MAX_TEXT_CHARS] + "…"
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


def drafting_payload(*, template: DocumentTemplate, record_ids: list[int], user: Any) -> dict[str, Any]:
    """Exactly what the provider gets about the records: the fields the template uses, nothing internal."""
    version = template.current_version
    if version is None:
        raise DraftingError("The template has no content yet, so there is nothing to draft for.")
    context = build_context(
        object_type=template.object_type,
        record_ids=record_ids,
        user=user,
        options={"include_internal_notes": False, "format": template.format},
    )
    data: dict[str, Any] = {}
    paths = list(version.variables)
    # A loop's list (`project.tickets`) is only a container when its fields are used (`project.tickets[].summary`).
    leaves = [path for path in paths if not any(other.startswith((f"{path}.", f"{path}[]")) for other in paths)]
    safe = _clean(context, items=MAX_ITEMS_SCANNED)  # notes and internal items go before anything is picked
    for path in leaves:
        segments = _segments(path)
        if segments and segments[0] not in UNSENT_ROOTS:
            data = _merge(data, _project(safe, segments))
    items = MAX_LIST_ITEMS
    cleaned = _clean(data, items=items)
    while items > 1 and len(json.dumps(cleaned, default=str)) > MAX_PAYLOAD_CHARS:
        items //= 2
        cleaned = _clean(data, items=items)
    return {
        "document": template.name,
        "document_kind": template.get_kind_display(),
        "inputs_to_draft": free_variable_names(version=version),
        "records": cleaned,
    }


def drafting_message(*, payload: dict[str, Any], prompt: str) -> str:
    """The user message of the request (shown as the preview, byte for byte what is sent)."""
    return json.dumps({"instructions": prompt.strip(), **payload}, ensure_ascii=False, indent=2, default=str)


# --- the request ----------------------------------------------------------------------------------------------


def _answer_values(response: requests.Response, names: list[str]) -> dict[str, str]:
    malformed = DraftingError(
        "The AI provider's answer was not in the expected form (a JSON object of input name → text). Try again "
        "or write the inputs yourself."
    )
    try:
        choice = response.json()["choices"][0]
        message = choice["message"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise malformed from None
    refusal = message.get("refusal") if isinstance(message, dict) else None
    if refusal or choice.get("finish_reason") == "content_filter":
        reason = f": “{str(refusal)[:300]}”" if refusal else "."
        raise DraftingError(f"The AI provider declined to draft these inputs{reason} Rephrase the prompt.")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise malformed
    content = re.sub(r"^\s*```(?:json)?\s*|\s*```\s*$", "", content)
    try:
        values = json.loads(content)
    except ValueError:
        raise malformed from None
    if not isinstance(values, dict):
        raise malformed
    drafted = {
        name: str(values[name])[:MAX_FREE_VARIABLE_CHARS]
        for name in names
        if isinstance(values.get(name), str | int | float) and not isinstance(values.get(name), bool)
    }
    if not drafted:
        raise DraftingError(
            f"The AI provider's answer drafted none of the inputs ({', '.join(names)}). Rephrase the prompt."
        )
    return drafted


def drafting_request(
    *, provider: DraftingProvider, template: DocumentTemplate, payload: dict[str, Any], prompt: str
) -> dict[str, Any]:
    """Ask the provider for the inputs; returns the draft to keep with the document (values, prompt, model...)."""
    check_endpoint_url(provider.endpoint_url)
    if isinstance(provider.api_key, UndecryptableSecret):
        raise DraftingError(
            "The stored API key cannot be decrypted (the encryption key changed): enter it again in the admin."
        )
    names = list(payload.get("inputs_to_draft") or [])
    if not names:
        raise DraftingError("This template has no inputs to draft.")
    if not prompt.strip():
        raise DraftingError("Write a prompt first: what should the draft say?")
    body = {
        "model": provider.model,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": drafting_message(payload=payload, prompt=prompt)},
        ],
        "temperature": 0.2,
        "response_format": {"type": "json_object"},
    }
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if provider.api_key:
        headers["Authorization"] = f"Bearer {provider.api_key}"
    host = urlsplit(provider.endpoint_url).hostname
    try:
        response = requests.post(
            provider.endpoint_url, json=body, headers=headers, timeout=provider.timeout, allow_redirects=False
        )
    except requests.Timeout:
        raise DraftingError(
            f"The AI provider did not answer within {provider.timeout} seconds. Try again, or write the inputs "
            "yourself."
        ) from None
    except requests.RequestException as exc:
        logger.warning("AI drafting request to %s failed: %s", host, type(exc).__name__)
        raise DraftingError(
            f"The AI provider at {host} could not be reached. Check the URL in the admin, or write the inputs yourself."
        ) from None
    status = response.status_code
    if status in (401, 403):
        raise DraftingError(f"The AI provider rejected the API key (HTTP {status}): check the key in the admin.")
    if 300 <= status < 400:
        raise DraftingError("The AI provider answered with a redirect, which is not followed: check the URL.")
    if status == 429:
        raise DraftingError("The AI provider is rate-limiting requests (HTTP 429). Wait a minute and try again.")
    if status >= 400:
        raise DraftingError(f"The AI provider answered with an error (HTTP {status}). Try again later.")
    values = _answer_values(response, names)
    return {
        "model": provider.model,
        "provider": host,
        "prompt": prompt.strip(),
        "fields_sent": sorted(_field_paths(payload.get("records") or {})),
        "values": values,
        "drafted_at": timezone.now().isoformat(),
    }


def _field_paths(value: Any, prefix: str = "") -> set[str]:
    """company.name, open_tickets[].summary… of a payload (recorded with the draft)."""
    if isinstance(value, dict):
        return {
            path for key, item in value.items() for path in _field_paths(item, f"{prefix}.{key}" if prefix else key)
        }
    if isinstance(value, list):
        return {path for item in value for path in _field_paths(item, f"{prefix}[]")} or {f"{prefix}[]"}
    return {prefix}
