"""Forms of the generator pages: find a template, then fill in the values PSA does not provide."""

from __future__ import annotations

from typing import Any

from django import forms

from documents.contexts import OBJECT_TYPE_LABELS
from documents.models import DocumentFormat, DocumentTemplate, ObjectType

MAX_RECORDS = 500
FREE_VARIABLE_PREFIX = "input_"


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

    def __init__(self, *args: Any, free_variables: list[str], record_count: int, object_type: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.free_variables = free_variables
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


def _looks_long(name: str) -> bool:
    return any(word in name for word in ("scope", "notes", "description", "summary", "terms", "text", "body"))
