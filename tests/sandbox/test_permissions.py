"""The restricted user: V2 answers 403 exactly where the V2 spec names a permission its role
lacks; V1 keeps answering as V1 does."""

from __future__ import annotations

import json
import re

import pytest

from affinity_client.sandbox import seed
from affinity_client.sandbox.permissions import REQUIRED, REQUIRED_BY_VERSION
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


@pytest.mark.parametrize(
    ("version", "spec_name"),
    [
        ("2024-01-01", "affinity-v2-openapi.json"),
        ("2026-07-15", "affinity-v2-openapi-2026-07-15.json"),
    ],
)
def test_each_versions_rules_are_that_versions_spec(version, spec_name):
    rows = {
        (m, path, perm) for m, path, perm, versions in REQUIRED_BY_VERSION if version in versions
    }
    assert rows == spec_requirements(spec_name)


def test_a_single_record_read_is_open_in_2026_and_refused_in_2024(sandbox):
    """The 2026-07-15 spec dropped the export permission from single-record reads."""
    path = f"/v2/persons/{seed.JANE_ID}"
    assert v2(sandbox, seed.RESTRICTED_KEY).get(path).status_code == 200
    legacy = v2(sandbox, seed.RESTRICTED_KEY).get(
        path, headers={"X-Affinity-Api-Version": "2024-01-01"}
    )
    assert legacy.status_code == 403


def test_the_permission_table_is_the_specs():
    assert set(REQUIRED) == spec_requirements("affinity-v2-openapi.json") | spec_requirements(
        "affinity-v2-openapi-2026-07-15.json"
    )


LEGACY = "2024-01-01"


@pytest.mark.parametrize(
    ("path", "permission", "version"),
    [
        ("/v2/companies", seed.EXPORT_ORGANIZATIONS, None),
        (f"/v2/companies/{seed.ACME_ORG_ID}", seed.EXPORT_ORGANIZATIONS, LEGACY),
        ("/v2/persons", seed.EXPORT_PEOPLE, None),
        (f"/v2/persons/{seed.JANE_ID}", seed.EXPORT_PEOPLE, LEGACY),
        (f"/v2/persons/{seed.JANE_ID}/list-entries", seed.EXPORT_LISTS, LEGACY),
        ("/v2/opportunities", seed.EXPORT_LISTS, None),
        (f"/v2/opportunities/{seed.ACME_DEAL_ID}", seed.EXPORT_LISTS, LEGACY),
        (f"/v2/lists/{seed.LISTS['Series A Pipeline']}/list-entries", seed.EXPORT_LISTS, None),
    ],
)
def test_restricted_user_gets_the_specs_403(sandbox, path, permission, version):
    headers = {"X-Affinity-Api-Version": version} if version else {}
    answer = v2(sandbox, seed.RESTRICTED_KEY).get(path, headers=headers)
    assert answer.status_code == 403
    assert answer.json() == {
        "errors": [{"code": "authorization", "message": f'Requires the "{permission}" permission'}]
    }
    assert v2(sandbox, seed.STANDARD_KEY).get(path, headers=headers).status_code == 200


def test_restricted_user_keeps_v1_and_unrestricted_v2(sandbox):
    old = v1(sandbox, seed.RESTRICTED_KEY)
    assert old.get(f"/persons/{seed.JANE_ID}").status_code == 200
    assert old.get(f"/organizations/{seed.ACME_ORG_ID}").status_code == 200
    assert old.get(f"/opportunities/{seed.ACME_DEAL_ID}").status_code == 200
    modern = v2(sandbox, seed.RESTRICTED_KEY)
    assert modern.get("/v2/lists").status_code == 200
    assert modern.get("/v2/auth/whoami").json()["user"]["id"] == seed.RESTRICTED_ID
