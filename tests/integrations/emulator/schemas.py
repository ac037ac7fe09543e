"""Validators built from the official ConnectWise specs (2026.4 GET subset first, else the 2025.8 reconstruction)."""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_DIR = Path(
    os.environ.get("CONNECTWISE_SCHEMA_DIR", Path(__file__).resolve().parents[3] / "integrations/emulator/spec")
)
OFFICIAL = "openapi-2026.4-get-subset.json"
RECONSTRUCTED = "schemas-2025.8-reconstructed.json"

# The specs type these as `object` (C# `object`); API_NOTES §7 records that real values are strings, numbers or
# booleans, so these two fields - and only these - accept any JSON value.
ANY_VALUE_FIELDS = {("CustomFieldValue", "value"), ("ConfigurationQuestion", "answer")}

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time")
def _is_connectwise_timestamp(value: object) -> bool:
    return not isinstance(value, str) or bool(_TIMESTAMP.match(value))


@FORMATS.checks("uuid")
def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _openapi_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` becomes a JSON Schema type union with null; everything else is kept."""
    if isinstance(node, list):
        return [_openapi_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _openapi_to_jsonschema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@functools.cache
def _spec(name: str) -> dict[str, Any]:
    path = SCHEMA_DIR / name
    if not path.exists():
        pytest.fail(f"ConnectWise specs not found in {SCHEMA_DIR}: the emulator cannot be checked against them")
    spec = json.loads(path.read_text())
    schemas = copy.deepcopy(spec["components"]["schemas"])
    for schema_name, field in ANY_VALUE_FIELDS:
        if schema_name in schemas:
            schemas[schema_name]["properties"][field] = {}
    return {"paths": spec["paths"], "components": {"schemas": _openapi_to_jsonschema(schemas)}}


def response_schema(spec_path: str) -> tuple[str, dict[str, Any]]:
    """The 200 response schema of GET spec_path, and which spec file it came from."""
    for name in (OFFICIAL, RECONSTRUCTED):
        operation = _spec(name)["paths"].get(spec_path, {}).get("get")
        if not operation:
            continue
        if "responses" in operation:
            content = operation["responses"]["200"]["content"]
            return name, _openapi_to_jsonschema(next(iter(content.values()))["schema"])
        return name, _openapi_to_jsonschema(operation["response"]["schema"])
    raise LookupError(f"GET {spec_path} is in neither spec")


def schema_named(name: str) -> tuple[str, dict[str, Any]]:
    for spec_name in (OFFICIAL, RECONSTRUCTED):
        if name in _spec(spec_name)["components"]["schemas"]:
            return spec_name, {"$ref": f"#/components/schemas/{name}"}
    raise LookupError(f"schema {name} is in neither spec")


def validation_errors(instance: Any, spec_name: str, schema: dict[str, Any]) -> list[str]:
    root = {**schema, "components": _spec(spec_name)["components"]}
    validator = Draft202012Validator(root, format_checker=FORMATS)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ][:20]
