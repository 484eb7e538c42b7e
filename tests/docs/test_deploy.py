"""The container files describe what docs/deploy.md promises (the image itself is built in CI)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_image_is_slim_and_runs_as_an_unprivileged_user():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert re.search(r"^FROM python:3\.11-slim\s*$", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["affinity-bot"]' in dockerfile


def test_compose_runs_postgres_two_replicas_and_a_proxy_over_both():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    apps = [name for name, service in services.items() if service.get("build")]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()

    assert len(apps) == 2
    for name in apps:
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgresql://") and "@postgres:" in url
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert re.search(rf"^\s*server {name}:3000\b", nginx, re.MULTILINE)
    assert "postgres" in services["postgres"]["image"]
    assert set(services["proxy"]["depends_on"]) == set(apps)
