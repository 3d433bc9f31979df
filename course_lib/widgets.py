"""Interactive controls for the "Try it" cells.

``cl.widgets.explore(function, loss=(0.0, 0.5, 0.05), policy=["none", "full_jitter"])``
binds sliders and drop-downs to a pure function and redraws its result when a control
moves. Lessons pass functions from ``course_lib`` (or small wrappers that plot them), so
what the learner explores is exactly what the lesson computed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def _control(name: str, spec: Any, value: Any):
    import ipywidgets as w

    style = {"description_width": "initial"}
    label = name.replace("_", " ")
    if isinstance(spec, w.ValueWidget):
        return spec
    if isinstance(spec, tuple) and len(spec) == 3 and all(isinstance(x, int | float) for x in spec):
        low, high, step = spec
        start = low if value is None else value
        kind = w.IntSlider if all(isinstance(x, int) for x in spec) else w.FloatSlider
        return kind(
            value=start,
            min=low,
            max=high,
            step=step,
            description=label,
            continuous_update=False,
            style=style,
        )
    if isinstance(spec, Sequence) and not isinstance(spec, str):
        return w.Dropdown(
            options=list(spec),
            value=spec[0] if value is None else value,
            description=label,
            style=style,
        )
    if isinstance(spec, bool):
        return w.Checkbox(value=spec, description=label)
    raise TypeError(f"{name}: give (min, max, step), a list of options, a bool or a widget")


def explore(
    function: Callable[..., Any], *, defaults: dict[str, Any] | None = None, **controls: Any
):
    """A panel of controls bound to ``function``; its result is shown below them.

    Each keyword names a parameter of ``function`` and says how to vary it:
    ``(min, max, step)`` for a slider, a list for a drop-down, a bool for a checkbox,
    or a ready-made ipywidgets control. ``defaults`` sets the starting values.
    """
    import ipywidgets as w

    defaults = defaults or {}
    widgets = {name: _control(name, spec, defaults.get(name)) for name, spec in controls.items()}
    panel = w.interactive(function, **widgets)
    panel.layout = w.Layout(border="1px solid #ddd", padding="8px")
    return panel
