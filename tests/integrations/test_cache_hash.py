"""The stored/hashed payload text is canonical JSON, so unchanged records are recognised across versions."""

import json

from integrations.cache import canonical_json, payload_hash


def test_canonical_json_is_sorted_compact_unicode_json():
    payload = {
        "summary": 'Zoë\'s "café" <b>down</b>\n株式会社',
        "id": 7,
        "actualHours": 1.25,
        "closedFlag": False,
        "contact": None,
        "board": {"name": "Help Desk", "id": 1, "_info": {"board_href": "https://x/1"}},
        "customFields": [{"caption": "Tier", "value": 3}],
    }
    expected = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_json(payload) == expected
    assert payload_hash(payload) == payload_hash(dict(reversed(list(payload.items()))))
