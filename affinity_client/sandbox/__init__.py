"""A local Affinity speaking the real V1 and V2 HTTP API over seeded data (see docs/sandbox.md).

It shares knowledge of the API with the reference, not code with the client: nothing here
imports the rest of `affinity_client`.
"""

from .server import SandboxServer, serve_forever

__all__ = ["SandboxServer", "serve_forever"]
