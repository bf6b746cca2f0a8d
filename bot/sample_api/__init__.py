"""An embedded fake of Plivo's List Recordings API, for the demo, sample mode and tests.

Use it in-process (`httpx.MockTransport(SampleApi().handler)`) or as a real local HTTP server
(`python -m bot.sample_api --port 8123 --latency-ms 150`).
"""

from .api import LoggedRequest, SampleApi, SampleApiError, serve_lifespan
from .data import CONFERENCES, MPC_NAMES, SUBACCOUNTS

__all__ = [
    "CONFERENCES",
    "MPC_NAMES",
    "SUBACCOUNTS",
    "LoggedRequest",
    "SampleApi",
    "SampleApiError",
    "serve_lifespan",
]
