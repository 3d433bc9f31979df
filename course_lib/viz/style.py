"""The course's one plot style: readable sizes, a colour-blind-safe palette, PNG output."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt

#: Okabe-Ito palette: distinguishable with the common forms of colour blindness.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "red": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "grey": "#7F7F7F",
}

_RC = {
    "figure.figsize": (8.0, 4.0),
    "figure.dpi": 96,
    "savefig.dpi": 96,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "axes.prop_cycle": matplotlib.cycler(color=list(COLORS.values())),
    "svg.hashsalt": "course",
}


def style() -> None:
    """Apply the course style to every figure drawn from now on."""
    plt.rcParams.update(_RC)


def figure(*, width: float = 8.0, height: float = 4.0, ncols: int = 1, nrows: int = 1):
    """A styled figure and its axes: ``fig, ax = figure()``."""
    style()
    return plt.subplots(nrows=nrows, ncols=ncols, figsize=(width, height), squeeze=True)


style()
