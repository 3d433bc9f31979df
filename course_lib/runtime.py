"""What :func:`course_lib.setup` does to a notebook's kernel.

Kept apart from ``__init__`` so that importing the package does not import numpy or
IPython; only calling ``setup`` does.
"""

from __future__ import annotations

import random
import warnings

from course_lib import session


def setup(seed: int) -> None:
    """Seed every stream, keep warnings out of stored outputs, and draw figures as PNG."""
    session.set_seed(seed)
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed % 2**32)
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    # A warning printed to stderr becomes part of a cell's stored output and makes the
    # notebook check fail on the next library upgrade; lessons never rely on one.
    warnings.simplefilter("ignore")
    _configure_ipython()


def _configure_ipython() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return
    shell = get_ipython()
    if shell is None:
        return
    # PNG only: nbval compares SVG text byte for byte, and SVG embeds dates and ids.
    shell.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
    shell.run_line_magic("config", "InlineBackend.rc = {'figure.dpi': 96}")
