"""Where the reference material lies: Affinity's V2 spec, captured V1 responses, Slack's schema.

It is kept outside the repository, in `shared/reference/` beside the clone (as CI lays it out),
or wherever `AFFINITY_REFERENCE_DIR` points.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE_DIR = Path(os.environ.get("AFFINITY_REFERENCE_DIR", REPO.parent / "shared" / "reference"))


def reference_file(*parts: str) -> Path:
    """A file of the reference material, or the calling test skipped with the reason (failed
    under CI, which always lays `shared/` beside the clone)."""
    import pytest

    path = REFERENCE_DIR.joinpath(*parts)
    if not path.exists():
        reason = (
            f"reference material not found at {path}: put shared/ beside the clone "
            "or set AFFINITY_REFERENCE_DIR"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path
