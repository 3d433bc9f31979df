"""botocore's API models, read as data: where the engines find a service's model.

The engines check requests and mocked results against the models botocore ships (the
JSON a boto3 client uses), found with :func:`importlib.util.find_spec` and never
imported, so they stay below the edge. The browser edition of the course installs a
botocore that keeps only the models the course reads, to keep the first download small;
a note in its data folder lists the services it left out and the package that brings
them. A model that was left out raises :class:`ModelLeftOut`, which says how to add it,
never a silent "no such service".
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

LEFT_OUT = "models-left-out.json"


class ModelLeftOut(RuntimeError):
    """The service exists, but this botocore was installed without its model."""


def models_root() -> Path | None:
    """botocore's folder of service models (None when botocore is not installed)."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def _left_out(root: Path) -> dict[str, Any]:
    note = root / LEFT_OUT
    if not note.is_file():
        return {"services": []}
    return json.loads(note.read_text(encoding="utf-8"))


def service_folder(service: str) -> Path | None:
    """The folder of ``service``'s models, or None when botocore knows no such service.

    Raises :class:`ModelLeftOut` when the service exists but its models were left out.
    """
    root = models_root()
    if root is None:
        return None
    folder = root / service
    if folder.is_dir():
        return folder
    # SDK names drop the hyphens of some model folders: bedrockruntime, bedrock-runtime.
    plain = service.replace("-", "")
    for candidate in root.iterdir():
        if candidate.is_dir() and candidate.name.replace("-", "") == plain:
            return candidate
    note = _left_out(root)
    left_out = [name for name in note["services"] if name.replace("-", "") == plain]
    if left_out:
        raise ModelLeftOut(
            f"This installation of botocore leaves out the API model of {left_out[0]!r} to keep "
            f"the browser's first download small. Run `%pip install {note['package']}` in "
            "a cell (it adds every left-out model), then run this cell again."
        )
    return None


def read_model(service: str, api_version: str | None = None) -> dict[str, Any] | None:
    """The ``service-2`` model of ``service`` at ``api_version`` (default: the newest).

    None when botocore has no such service or version; :class:`ModelLeftOut` when the
    service's models were left out of this installation.
    """
    folder = service_folder(service)
    if folder is None:
        return None
    if api_version is None:
        versions = sorted(p.name for p in folder.iterdir() if p.is_dir())
        if not versions:
            return None
        api_version = versions[-1]
    for name, opener in (("service-2.json.gz", gzip.open), ("service-2.json", open)):
        path = folder / api_version / name
        if path.exists():
            with opener(path, "rt", encoding="utf-8") as handle:
                return json.load(handle)
    return None
