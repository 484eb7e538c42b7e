"""The restricted user: V2 answers 403 exactly where the V2 spec names a permission its role
lacks; V1 keeps answering as V1 does."""

from __future__ import annotations

import json
import re

import pytest

from affinity_client.sandbox import seed
from affinity_client.sandbox.permissions import REQUIRED
from tests.reference import reference_file

from .helpers import v1, v2

PERMISSIONS = (seed.EXPORT_PEOPLE, seed.EXPORT_ORGANIZATIONS, seed.EXPORT_LISTS)


def spec_requirements(name: str) -> set[tuple[str, str, str]]:
    spec = json.loads(reference_file(name).read_text())
    found = set()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if not isinstance(op, dict):
                continue
            for permission in PERMISSIONS:
                if re.search(rf'Requires the "{permission}"', op.get("description", "")):
                    found.add((method.upper(), path, permission))
    return found


def test_the_permission_table_is_the_specs():
    assert set(REQUIRED) == spec_requirements("affinity-v2-openapi.json") | spec_requirements(
        "affinity-v2-openapi-2026-07-15.json"
    )


@pytest.mark.parametrize(
    ("path", "permission"),
    [
        ("/v2/companies", seed.EXPORT_ORGANIZATIONS),
        (f"/v2/companies/{seed.ACME_ORG_ID}", seed.EXPORT_ORGANIZATIONS),
        ("/v2/persons", seed.EXPORT_PEOPLE),
        (f"/v2/persons/{seed.JANE_ID}", seed.EXPORT_PEOPLE),
        (f"/v2/persons/{seed.JANE_ID}/list-entries", seed.EXPORT_LISTS),
        ("/v2/opportunities", seed.EXPORT_LISTS),
        (f"/v2/opportunities/{seed.ACME_DEAL_ID}", seed.EXPORT_LISTS),
        (f"/v2/lists/{seed.LISTS['Series A Pipeline']}/list-entries", seed.EXPORT_LISTS),
    ],
)
def test_restricted_user_gets_the_specs_403(sandbox, path, permission):
    answer = v2(sandbox, seed.RESTRICTED_KEY).get(path)
    assert answer.status_code == 403
    assert answer.json() == {
        "errors": [{"code": "authorization", "message": f'Requires the "{permission}" permission'}]
    }
    assert v2(sandbox, seed.STANDARD_KEY).get(path).status_code == 200


def test_restricted_user_keeps_v1_and_unrestricted_v2(sandbox):
    old = v1(sandbox, seed.RESTRICTED_KEY)
    assert old.get(f"/persons/{seed.JANE_ID}").status_code == 200
    assert old.get(f"/organizations/{seed.ACME_ORG_ID}").status_code == 200
    assert old.get(f"/opportunities/{seed.ACME_DEAL_ID}").status_code == 200
    modern = v2(sandbox, seed.RESTRICTED_KEY)
    assert modern.get("/v2/lists").status_code == 200
    assert modern.get("/v2/auth/whoami").json()["user"]["id"] == seed.RESTRICTED_ID
