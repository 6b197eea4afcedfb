"""Local demo backend: an in-process moto server plus a realistic seeded user pool.

The server carries :mod:`gateway.demo.extensions`, the Cognito operations moto
lacks (devices, auth events, tags, token revocation, ...).
"""

from gateway.demo.seed import SeededPool, seed_demo_pool
from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION, DemoBackend

__all__ = [
    "DEMO_CREDENTIALS",
    "DEMO_REGION",
    "DemoBackend",
    "SeededPool",
    "seed_demo_pool",
]
