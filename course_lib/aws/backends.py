"""The gate: which AWS a live cell talks to.

Three backends sit behind one choice. **offline** (the default, and what CI runs) is
moto inside this process; **endpoint** is any AWS-compatible server the learner names
in ``COURSE_AWS_ENDPOINT_URL`` (a moto server, for example); **live** is the learner's
own account, used only when ``COURSE_LIVE_AWS=1`` is set *and* their credentials
resolve (STS GetCallerIdentity answers). If live is asked for but not possible, the
cell says why and runs offline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from course_lib.aws import moto_support
from course_lib.aws.errors import CourseAwsError, translate
from course_lib.aws.masking import mask

LIVE_ENV = "COURSE_LIVE_AWS"
ENDPOINT_ENV = "COURSE_AWS_ENDPOINT_URL"
OFFLINE_REGION = "us-east-1"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


@dataclass
class Backend:
    """Where clients connect: ``mode`` is ``"offline"``, ``"endpoint"`` or ``"live"``.

    ``fallback_reason`` is set when live mode was asked for but could not be used.
    """

    mode: str
    region: str
    account_id: str
    boto3_session: Any
    endpoint_url: str | None = None
    fallback_reason: str | None = None

    @property
    def simulated(self) -> bool:
        """True for the offline account and for endpoints (moto quirks apply there)."""
        return self.mode != "live"

    def fallback_notice(self) -> str:
        """Why live mode was asked for but this backend runs instead (empty if it was not)."""
        if not self.fallback_reason:
            return ""
        return f"{LIVE_ENV}=1 is set, but {self.fallback_reason} This cell runs offline instead."

    def client(self, service: str) -> Any:
        """A plain boto3 client for ``service`` on this backend."""
        from botocore.config import Config

        attempts = 5 if self.mode == "live" else 2
        config = Config(
            retries={"mode": "standard", "max_attempts": attempts},
            connect_timeout=5,
            read_timeout=60,
            user_agent_extra="eda-course",
        )
        client = self.boto3_session.client(
            service, region_name=self.region, endpoint_url=self.endpoint_url, config=config
        )
        if service == "eventbridgev2" and self.simulated:  # no simulator has it: the course's
            from course_lib.aws.custom_bus_offline import serve

            serve(client, self)
        return client


def live_requested(environ: dict[str, str] | None = None) -> bool:
    """True if the learner set ``COURSE_LIVE_AWS`` to 1 (or true, yes, on)."""
    value = (os.environ if environ is None else environ).get(LIVE_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CourseAwsError(
        f"{LIVE_ENV} must be 1 (use your AWS account) or 0 (stay offline), got {value!r}."
    )


def choose_backend(region: str | None = None) -> Backend:
    """Pick the backend the environment asks for; fall back to offline when live cannot run."""
    endpoint_url = os.environ.get(ENDPOINT_ENV, "").strip()
    live = live_requested()
    if live and endpoint_url:
        raise CourseAwsError(
            f"Both {LIVE_ENV} and {ENDPOINT_ENV} are set: unset one of them (live AWS or "
            "a local endpoint) and restart the kernel."
        )
    if endpoint_url:
        return endpoint_backend(endpoint_url, region)
    if live:
        backend, reason = live_backend(region)
        if backend is not None:
            return backend
        fallback = offline_backend(region)
        fallback.fallback_reason = reason
        return fallback
    return offline_backend(region)


def offline_backend(region: str | None = None) -> Backend:
    """moto in this process, with fake credentials; the learner's AWS settings are never read."""
    moto_support.offline_account()
    region = region or OFFLINE_REGION
    session = moto_support.fake_boto3_session(region)
    account = session.client("sts").get_caller_identity()["Account"]
    return Backend("offline", region, account, session)


def endpoint_backend(endpoint_url: str, region: str | None = None) -> Backend:
    """An AWS-compatible server at ``endpoint_url``, with fake credentials."""
    if not endpoint_url.startswith(("http://", "https://")):
        raise CourseAwsError(
            f"{ENDPOINT_ENV} must be a URL such as http://127.0.0.1:5000, got "
            f"{mask(endpoint_url)!r}."
        )
    moto_support.stop_offline_account()
    region = region or os.environ.get("AWS_DEFAULT_REGION") or OFFLINE_REGION
    moto_support.configure_moto_server(endpoint_url)
    session = moto_support.fake_boto3_session(region)
    backend = Backend("endpoint", region, "", session, endpoint_url=endpoint_url)
    try:
        backend.account_id = backend.client("sts").get_caller_identity()["Account"]
    except Exception as exc:
        friendly = translate(exc, "GetCallerIdentity")
        if friendly is None:
            raise
        raise friendly from None
    return backend


def live_backend(region: str | None = None) -> tuple[Backend | None, str | None]:
    """The learner's account, or None and the sentence that says why it cannot be used."""
    import boto3

    # While moto runs in this process it answers every AWS URL, the STS check included.
    moto_support.stop_offline_account()
    try:
        session = boto3.Session(region_name=region)
        if not session.region_name:
            from botocore.exceptions import NoRegionError

            raise NoRegionError()
        backend = Backend("live", session.region_name, "", session)
        backend.account_id = backend.client("sts").get_caller_identity()["Account"]
    except Exception as exc:
        friendly = translate(exc, "GetCallerIdentity")
        if friendly is None:
            return (
                None,
                f"checking your credentials failed ({type(exc).__name__}: {mask(str(exc))}).",
            )
        return None, str(friendly)
    return backend, None
