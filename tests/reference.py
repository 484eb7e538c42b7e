"""Where the reference material lies: Affinity's V2 spec, captured V1 responses, Slack's schema.

It is kept outside the repository, in `shared/reference/` beside the clone (as CI lays it out),
or wherever `AFFINITY_REFERENCE_DIR` points.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE_DIR = Path(
    os.environ.get("AFFINITY_REFERENCE_DIR", REPO.parent / "shared" / "reference")
)
