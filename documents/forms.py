"""Forms of the generator pages: find a template, then fill in the values PSA does not provide."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from documents.contexts import OBJECT_TYPE_LABELS
from documents.models import DocumentFormat, DocumentTemplate, ObjectType

MAX_RECORDS = 500
FREE_VARIABLE_PREFIX = "input_"
SNIPPET_PREFIX = "snippet_"
MAX_PROMPT_CHARS = 4_000


class TemplateSearchForm(forms.Form):
    """The template chooser's search box and filters (GET)."""

    q = forms.CharField(required=False, label="Search", max_length=100)
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *DocumentTemplate.Kind.choices])
    object_type = forms.ChoiceField(required=False, label="About", choices=[("", "Any record"), *ObjectType.choices])
    format = forms.ChoiceField(required=False, choices=[("", "Any format"), *DocumentFormat.choices])


def parse_record_ids(values: list[str]) -> list[int]:
    """Record ids from form values ("12", "13,14"), deduplicated, order kept; junk is ignored."""
    ids: list[int] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part.isdigit():
                ids.append(int(part))
    return list(dict.fromkeys(ids))


class GenerateForm(forms.Form):
    """The selected records (hidden), how to split them, and one field per free variable of the template."""

    class Mode:
        COMBINED = "combined"
        PER_RECORD = "per_record"

    records = forms.CharField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        widget=forms.RadioSelect,
        initial=Mode.PER_RECORD,
        choices=[
            (Mode.PER_RECORD, "One document per record (a zip, made in the background)"),
            (Mode.COMBINED, "One document covering all the selected records"),
        ],
        required=False,
    )

    ai_prompt = forms.CharField(
        required=False,
        max_length=MAX_PROMPT_CHARS,
        label="What should the draft say?",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    ai_draft = forms.CharField(required=False, widget=forms.HiddenInput)  # the draft (JSON) the inputs started from

    def __init__(
        self,
        *args: Any,
        free_variables: list[str],
        record_count: int,
        object_type: str,
        snippets: list[tuple[str, str]] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.free_variables = free_variables
        self.has_snippets = bool(snippets)
        if record_count <= 1:
            del self.fields["mode"]
        label = OBJECT_TYPE_LABELS.get(object_type, object_type)
        for name in free_variables:
            widget = forms.Textarea(attrs={"rows": 3}) if _looks_long(name) else forms.TextInput()
            self.fields[f"{FREE_VARIABLE_PREFIX}{name}"] = forms.CharField(
                label=name.replace("_", " ").capitalize(),
                required=False,
                max_length=10_000,
                widget=widget,
                help_text=f"inputs.{name} — not provided by the {label} data.",
            )
            if snippets:
                self.fields[f"{SNIPPET_PREFIX}{name}"] = forms.ChoiceField(
                    label=f"Snippet for {name.replace('_', ' ')}",
                    required=False,
                    choices=[("", "— from a snippet —"), *snippets],
                )

    def clean_records(self) -> list[int]:
        ids = parse_record_ids([self.cleaned_data["records"]])
        if not ids:
            raise forms.ValidationError("Choose at least one record.")
        if len(ids) > MAX_RECORDS:
            raise forms.ValidationError(f"Choose at most {MAX_RECORDS} records at a time.")
        return ids

    def free_variable_values(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"{FREE_VARIABLE_PREFIX}{name}", "") for name in self.free_variables}

    def free_variable_fields(self) -> list[forms.BoundField]:
        return [self[f"{FREE_VARIABLE_PREFIX}{name}"] for name in self.free_variables]

    def free_variable_rows(self) -> list[tuple[forms.BoundField, forms.BoundField | None]]:
        """(input, snippet select or None) per free variable."""
        return [
            (self[f"{FREE_VARIABLE_PREFIX}{name}"], self[f"{SNIPPET_PREFIX}{name}"] if self.has_snippets else None)
            for name in self.free_variables
        ]

    def chosen_snippets(self) -> dict[str, str]:
        """free variable → slug of the snippet picked for it (from the raw data: works before validation)."""
        if not self.has_snippets:
            return {}
        chosen = {name: str(self.data.get(f"{SNIPPET_PREFIX}{name}") or "") for name in self.free_variables}
        return {name: slug for name, slug in chosen.items() if slug}

    def clean_ai_draft(self) -> dict[str, Any] | None:
        raw = self.cleaned_data.get("ai_draft") or ""
        if not raw:
            return None
        try:
            draft = json.loads(raw)
        except ValueError:
            return None  # a damaged hidden field only loses the provenance, never the inputs
        return draft if isinstance(draft, dict) else None


def _looks_long(name: str) -> bool:
    return any(word in name for word in ("scope", "notes", "description", "summary", "terms", "text", "body"))
