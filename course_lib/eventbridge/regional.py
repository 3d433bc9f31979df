"""What the local EventBridge services have in common: one account and region on a world.

The classic bus (``events``), the Custom Event Bus (``eventbridgev2``) and Scheduler
(``scheduler``) each register on the world under their service name, so the other
engines reach them without importing them, and name their resources with ARNs in their
own account, region and ARN namespace. The newer two answer errors as their API models
name them, each with the AWS error code and HTTP status (:class:`ServiceError`).
"""

from __future__ import annotations

from course_lib.events.envelope import DEFAULT_ACCOUNT, DEFAULT_REGION
from course_lib.sim.world import World

#: Seconds one delivery attempt takes (low, high), as the services' ``latency`` default.
DEFAULT_LATENCY = (0.05, 0.3)

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_LATENCY",
    "DEFAULT_REGION",
    "RegionalService",
    "ServiceError",
]


class ServiceError(Exception):
    """An error a service's API answers: ``code`` is the AWS error code, ``status`` the
    HTTP status, so an offline boto3 route raises what a real client would."""

    code = "InternalServerException"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RegionalService:
    """A service of ``account`` and ``region``, registered on ``world`` as ``name``."""

    def __init__(
        self,
        world: World,
        name: str,
        namespace: str,
        *,
        account: str,
        region: str,
        latency: tuple[float, float],
    ) -> None:
        self.world = world
        self.account = account
        self.region = region
        self.latency = latency
        self._namespace = namespace
        world.register(name, self)

    def _arn(self, resource: str) -> str:
        """``arn:aws:<namespace>:<region>:<account>:<resource>``."""
        return f"arn:aws:{self._namespace}:{self.region}:{self.account}:{resource}"
