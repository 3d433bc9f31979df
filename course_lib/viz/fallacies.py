"""Drawings for lesson 01, the fallacies of distributed computing.

Each function takes the rows or results an experiment in :mod:`course_lib.fallacies`
returns and gives back a matplotlib figure (or a :class:`~course_lib.viz.graphs.Diagram`);
nothing here runs a simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from course_lib.viz.graphs import Diagram
from course_lib.viz.style import COLORS, figure

_FONT = "Helvetica"

#: One colour and marker per backoff algorithm, in the order of Brooker's post.
ALGORITHM_STYLES: dict[str, tuple[str, str, str]] = {
    "none": ("no backoff", COLORS["grey"], "x"),
    "exponential": ("exponential (no jitter)", COLORS["red"], "o"),
    "full_jitter": ("full jitter", COLORS["blue"], "s"),
    "equal_jitter": ("equal jitter", COLORS["green"], "^"),
    "decorrelated_jitter": ("decorrelated jitter", COLORS["orange"], "D"),
}


def human_bytes(size: float) -> str:
    """``1024`` -> ``'1 KB'``: binary units, as AWS quotes its limits; other sizes exactly.

    ``65_537`` -> ``'65,537 B'``: a size just over a limit must not round onto it.
    """
    for unit, power in (("GB", 3), ("MB", 2), ("KB", 1)):
        if size >= 1024**power and size % 1024**power == 0:
            return f"{size // 1024**power:,.0f} {unit}"
    return f"{size:,.0f} B"


def human_seconds(seconds: float) -> str:
    """A duration in the unit that reads best: ns, µs, ms or s."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            value = seconds / scale
            return f"{value:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def _mapping(data: Any) -> dict[str, Any]:
    """Accept one series or a mapping label -> series."""
    if isinstance(data, Mapping):
        return dict(data)
    return {"": data}


# -- 1. the network is reliable ---------------------------------------------------------


def success_vs_hops(
    series: Sequence[Mapping] | Mapping[str, Sequence[Mapping]], *, title: str = ""
):
    """Delivery rate against the number of hops: the formula as a line, the run as dots.

    ``series`` is the rows of :func:`course_lib.fallacies.lossy_hops`, or a mapping
    label -> rows to compare several loss rates.
    """
    fig, ax = figure(width=8.0, height=4.0)
    palette = [COLORS[c] for c in ("blue", "orange", "red", "green", "purple")]
    for index, (label, rows) in enumerate(_mapping(series).items()):
        color = palette[index % len(palette)]
        hops = [row["hops"] for row in rows]
        ax.plot(
            hops,
            [row["expected"] for row in rows],
            color=color,
            lw=1.5,
            label=f"formula, {label}" if label else "formula",
        )
        ax.plot(
            hops,
            [row["success_rate"] for row in rows],
            "o",
            color=color,
            label=f"simulated, {label}" if label else "simulated",
        )
    ax.set_xlabel("hops k (each loses a fraction p of messages); line: (1 - p)^k, dots: simulated")
    ax.set_ylabel("messages delivered")
    ax.yaxis.set_major_formatter(_percent())
    ax.set_ylim(top=1.01)
    ax.legend(loc="lower left", ncols=2)
    ax.set_title(title or "Every hop is another chance to lose the message")
    fig.tight_layout()
    return fig


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


# -- 2. latency is zero ---------------------------------------------------------------


def latency_numbers(rows: Sequence[Mapping], *, title: str = ""):
    """The latency numbers as horizontal bars on a log scale, fastest at the top."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    rows = list(rows)
    fig, ax = figure(width=9.0, height=0.36 * len(rows) + 1.4)
    names = [row["operation"] for row in rows]
    seconds = [row["ns"] * 1e-9 for row in rows]
    network = ("network", "round trip", "packet")
    colors = [
        COLORS["red"] if any(word in name.lower() for word in network) else COLORS["blue"]
        for name in names
    ]
    ax.barh(range(len(rows)), seconds, color=colors)
    for y, value in enumerate(seconds):
        ax.text(value * 1.25, y, human_seconds(value), va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), names)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(1e-10, 3.0)
    # One grid line per power of ten, so that each line really is 10x slower.
    ax.xaxis.set_major_locator(LogLocator(base=10, numticks=12))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: human_seconds(value)))
    ax.set_xlabel("time per operation (log scale: each grid line is 10x slower)")
    ax.grid(axis="y", visible=False)
    ax.set_title(title or "Latency numbers: the network (red) is far from free")
    fig.tight_layout()
    return fig


def chatty_vs_batched(rows: Sequence[Mapping], *, title: str = ""):
    """Seconds to fetch the same items one per call or in batches, per link."""
    rows = list(rows)
    links = list(dict.fromkeys(row["link"] for row in rows))
    styles = list(dict.fromkeys(row["style"] for row in rows))
    fig, ax = figure(width=8.0, height=4.0)
    width = 0.8 / len(styles)
    colors = [COLORS["red"], COLORS["blue"], COLORS["green"]]
    for s_index, style in enumerate(styles):
        for l_index, link in enumerate(links):
            row = next(r for r in rows if r["link"] == link and r["style"] == style)
            x = l_index + (s_index - (len(styles) - 1) / 2) * width
            ax.bar(
                x,
                row["seconds"],
                width=width,
                color=colors[s_index % len(colors)],
                label=style if l_index == 0 else None,
            )
            ax.text(
                x,
                row["seconds"] * 1.15,
                f"{row['calls']} calls\n{human_seconds(row['seconds'])}",
                ha="center",
                va="bottom",
                fontsize=8,
            )
    round_trip = {row["link"]: row["round_trip_ms"] for row in rows}
    ax.set_xticks(
        range(len(links)), [f"{link}\n(round trip {round_trip[link]:g} ms)" for link in links]
    )
    ax.set_yscale("log")
    top = max(row["seconds"] for row in rows)
    ax.set_ylim(min(row["seconds"] for row in rows) / 3, top * 8)
    ax.set_ylabel("seconds (log scale)")
    ax.legend(loc="upper left")
    ax.set_title(title or "Chatty calls pay a round trip each")
    fig.tight_layout()
    return fig


# -- 3. bandwidth is infinite -----------------------------------------------------------


def payload_transfer(
    rows: Sequence[Mapping],
    *,
    limits: Mapping[str, int] | None = None,
    title: str = "",
):
    """Transfer time against payload size (log-log), with event size limits as lines.

    ``limits`` maps a label to a size in bytes (e.g. the PutEvents limits); payloads
    above the largest travel by claim check, shown as a second line.
    """
    rows = list(rows)
    fig, ax = figure(width=8.5, height=4.2)
    sizes = [row["payload_bytes"] for row in rows]
    ax.plot(
        sizes,
        [row["transfer_seconds"] for row in rows],
        "o-",
        color=COLORS["blue"],
        label="payload in the message: latency + size / bandwidth",
    )
    ax.plot(
        sizes,
        [row["claim_check_seconds"] for row in rows],
        "s--",
        color=COLORS["orange"],
        label="claim check: upload, small reference, then fetch the payload",
    )
    line_colors = [COLORS["grey"], COLORS["red"], COLORS["purple"]]
    for index, (label, size) in enumerate(sorted((limits or {}).items(), key=lambda kv: kv[1])):
        color = line_colors[index % len(line_colors)]
        ax.axvline(size, color=color, ls=":", lw=1.5)
        ax.text(
            size * 1.08,
            0.97 - 0.14 * index,
            f"{label}\n{human_bytes(size)}",
            transform=ax.get_xaxis_transform(),
            va="top",
            fontsize=8,
            color=color,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
        )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ticks = [s for s in sizes]
    ax.set_xticks(ticks, [human_bytes(s) for s in ticks])
    ax.minorticks_off()
    ax.set_xlabel("payload size (log scale)")
    ax.set_ylabel("seconds until the consumer has it (log)")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title or "Bigger payloads take longer: time = latency + size / bandwidth")
    fig.tight_layout()
    return fig


def claim_check_diagram(limit_label: str = "1 MB") -> Diagram:
    """The claim-check pattern: the payload goes to storage, the event carries a reference."""
    source = f"""digraph claim_check {{
  rankdir=LR; nodesep=0.5; ranksep=0.7;
  node [shape=box, style="rounded,filled", fillcolor="#E8F1FA", fontname="{_FONT}", fontsize=11];
  edge [fontname="{_FONT}", fontsize=10];
  producer [label="producer\\n(orders)"];
  bucket [label="object store\\n(Amazon S3)", shape=cylinder, fillcolor="#FFF4DC"];
  bus [label="event bus\\n(limit {limit_label} per request)", fillcolor="#EEEEEE"];
  consumer [label="consumer\\n(kitchen)"];
  producer -> bucket [label="1. put the 10 MB payload"];
  producer -> bus [label="2. event with a reference\\n(bucket, key: ~100 bytes)"];
  bus -> consumer [label="3. deliver the small event"];
  consumer -> bucket [label="4. fetch the payload\\nif it needs it", style=dashed];
}}"""
    return Diagram(source, "the claim-check pattern")


# -- 4. the network is secure --------------------------------------------------------------


def tampering(result: Any, *, title: str = ""):
    """Tampered orders accepted by a receiver without a check and with an HMAC check."""
    fig, ax = figure(width=7.5, height=3.4)
    labels = [
        "orders sent",
        "altered on the way",
        "altered and accepted:\nno check",
        "altered and accepted:\nHMAC check",
    ]
    values = [
        result.messages,
        result.tampered,
        result.accepted_corrupt_without_check,
        result.accepted_corrupt_with_hmac,
    ]
    colors = [COLORS["grey"], COLORS["purple"], COLORS["red"], COLORS["green"]]
    ax.barh(range(len(values)), values, color=colors)
    for y, value in enumerate(values):
        ax.text(value + result.messages * 0.01, y, str(value), va="center", fontsize=9)
    ax.set_yticks(range(len(values)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, result.messages * 1.12)
    ax.set_xlabel("orders")
    ax.grid(axis="y", visible=False)
    ax.set_title(title or "A tampering proxy: the HMAC check catches every change")
    fig.tight_layout()
    return fig


# -- 5. topology doesn't change ---------------------------------------------------------


def endpoint_move(rows: Sequence[Mapping], *, move_at: float | None = None, title: str = ""):
    """Each request as a dot (green: answered, red: failed), one row per client label."""
    rows = list(rows)
    clients = list(dict.fromkeys(row["client"] for row in rows))
    fig, ax = figure(width=8.5, height=0.7 * len(clients) + 1.8)
    for ok, color, marker, label in (
        (True, COLORS["green"], "o", "answered"),
        (False, COLORS["red"], "X", "failed: nobody listens there"),
    ):
        chosen = [row for row in rows if bool(row["ok"]) is ok]
        ax.scatter(
            [row["time"] for row in chosen],
            [clients.index(row["client"]) for row in chosen],
            color=color,
            marker=marker,
            s=60,
            label=label,
            zorder=3,
        )
    if move_at is not None:
        ax.axvline(move_at, color=COLORS["grey"], ls="--")
        ax.text(
            move_at,
            len(clients) - 0.45,
            " the service moves",
            color=COLORS["grey"],
            va="center",
            fontsize=9,
        )
    ax.set_yticks(range(len(clients)), clients)
    ax.set_ylim(len(clients) - 0.2, -0.6)
    ax.set_xlabel("virtual time (s)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncols=2)
    ax.set_title(title or "A hard-coded address breaks when the service moves")
    fig.tight_layout()
    return fig


# -- 6. there is one administrator ------------------------------------------------------


def configuration_drift(series: Mapping[str, Sequence[Mapping]], *, title: str = ""):
    """Distinct configurations and settings in disagreement per day, one line per setup."""
    fig, axes = figure(width=10.0, height=3.8, ncols=2)
    palette = [COLORS["red"], COLORS["blue"], COLORS["orange"], COLORS["green"]]
    for index, (label, rows) in enumerate(series.items()):
        color = palette[index % len(palette)]
        days = [row["day"] for row in rows]
        axes[0].step(
            days, [row["distinct_configurations"] for row in rows], where="post", color=color
        )
        axes[1].step(
            days,
            [row["settings_in_disagreement"] for row in rows],
            where="post",
            color=color,
            label=label,
        )
    axes[0].set_ylabel("distinct configurations")
    axes[1].set_ylabel("settings that differ")
    for ax in axes:
        ax.set_xlabel("day")
        ax.set_ylim(bottom=-0.2)  # a line at 0 stays visible above the axis
        ax.yaxis.get_major_locator().set_params(integer=True)
    axes[0].set_title("how many different configurations run", fontsize=10)
    axes[1].set_title("how many of the settings disagree", fontsize=10)
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=len(labels), frameon=False)
    fig.suptitle(title or "Independent administrators make servers drift apart", fontweight="bold")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


# -- 7. transport cost is zero ------------------------------------------------------------


def transport_cost(rows: Sequence[Mapping], *, requests: int | None = None, title: str = ""):
    """Dollars for the same number of messages per payload size: transport vs compute."""
    rows = list(rows)
    fig, ax = figure(width=8.5, height=4.0)
    x = list(range(len(rows)))
    width = 0.38
    ax.bar(
        [i - width / 2 for i in x],
        [row["request_usd"] for row in rows],
        width=width,
        color=COLORS["blue"],
        label="event price (per started 64 KB chunk)",
    )
    ax.bar(
        [i + width / 2 for i in x],
        [row["compute_usd"] for row in rows],
        width=width,
        color=COLORS["orange"],
        label="compute to serialize and parse",
    )
    for i, row in zip(x, rows, strict=True):
        ax.text(
            i - width / 2,
            row["request_usd"] * 1.15,
            f"${row['request_usd']:,.0f}",
            ha="center",
            fontsize=8,
        )
        ax.text(
            i + width / 2,
            row["compute_usd"] * 1.15,
            f"${row['compute_usd']:.2g}",
            ha="center",
            fontsize=8,
        )
    ax.set_xticks(x, [human_bytes(row["payload_bytes"]) for row in rows])
    ax.set_yscale("log")
    ax.set_ylim(
        min(row["compute_usd"] for row in rows) / 3, max(r["request_usd"] for r in rows) * 6
    )
    ax.set_xlabel("payload size")
    many = f"{requests:,} messages" if requests else "the messages"
    ax.set_ylabel(f"US dollars for {many} (log)")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title or "Every byte and every message has a price")
    fig.tight_layout()
    return fig


# -- 8. the network is homogeneous -----------------------------------------------------


def heterogeneous_clients(rows: Sequence[Mapping], *, payload_bytes: int | None = None, title=""):
    """Share of messages delivered whole, per client profile: formula vs simulation."""
    rows = list(rows)
    fig, ax = figure(width=8.5, height=0.55 * len(rows) + 1.6)
    y = list(range(len(rows)))
    ax.barh(
        [i - 0.2 for i in y],
        [row["expected_delivery"] for row in rows],
        height=0.38,
        color=COLORS["sky"],
        label="expected: (1 - loss) ^ packets",
    )
    ax.barh(
        [i + 0.2 for i in y],
        [row["delivery_rate"] for row in rows],
        height=0.38,
        color=COLORS["blue"],
        label="simulated",
    )
    ax.set_yticks(y, [f"{row['name']}\nMTU {row['mtu']}, {row['packets']} packets" for row in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.0)
    ax.xaxis.set_major_formatter(_percent())
    size = f"a {human_bytes(payload_bytes)} message" if payload_bytes else "the message"
    ax.set_xlabel(f"{size} delivered whole, without retransmission")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)
    ax.set_title(title or "Same message, different networks")
    fig.tight_layout()
    return fig


def float64_gaps(rows: Sequence[Mapping], *, title: str = ""):
    """The gap between neighbouring float64 values by magnitude, with the ids marked.

    Below ``2**53`` the gap is at most 1, so every integer survives; above it, whole
    integers are skipped and ids change.
    """
    fig, ax = figure(width=8.5, height=3.8)
    exponents = list(range(40, 65))
    ax.step(
        exponents,
        [math.ulp(float(2**e)) for e in exponents],
        where="post",
        color=COLORS["blue"],
        label="gap between neighbouring float64 numbers",
    )
    ax.axvline(53, color=COLORS["grey"], ls="--")
    ax.text(53.2, 2**9, "2^53: integers\nstart to be skipped", fontsize=8, color=COLORS["grey"])
    for row in rows:
        position = math.log2(row["id"])
        color = COLORS["green"] if row["exact"] else COLORS["red"]
        ax.plot([position], [max(abs(row["error"]), 0.25)], "o", color=color, ms=8)
    ax.plot([], [], "o", color=COLORS["green"], label="id arrives intact (drawn at 1/4)")
    ax.plot([], [], "o", color=COLORS["red"], label="id arrives changed (|error| shown)")
    ax.set_yscale("log", base=2)
    ax.set_xlabel("size of the integer: log2(id)")
    ax.set_ylabel("gap / error (log2)")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title or "A float64 holds every integer only up to 2^53")
    fig.tight_layout()
    return fig


# -- retries done right -------------------------------------------------------------------------


def backoff_comparison(rows: Sequence[Mapping], *, log_time: bool = True, title: str = ""):
    """Brooker's two plots: write calls and completion time against clients, per algorithm."""
    rows = list(rows)
    fig, axes = figure(width=11.0, height=4.2, ncols=2)
    algorithms = list(dict.fromkeys(row["algorithm"] for row in rows))
    for algorithm in algorithms:
        label, color, marker = ALGORITHM_STYLES.get(algorithm, (algorithm, COLORS["grey"], "."))
        mine = [row for row in rows if row["algorithm"] == algorithm]
        clients = [row["clients"] for row in mine]
        axes[0].plot(
            clients, [row["calls"] for row in mine], marker=marker, ms=4, color=color, label=label
        )
        axes[1].plot(
            clients,
            [row["time"] / 1000 for row in mine],
            marker=marker,
            ms=4,
            color=color,
            label=label,
        )
    axes[0].set_ylabel("calls (mean per run)")
    axes[0].set_title("Work: calls made", fontsize=11)
    axes[1].set_ylabel("seconds until the last client is done" + (" (log)" if log_time else ""))
    axes[1].set_title("Completion time", fontsize=11)
    if log_time:
        axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xlabel("clients competing for one row")
        ax.set_xlim(left=0)
    axes[0].set_ylim(bottom=0)
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle(title or "Exponential backoff and jitter (after Marc Brooker)", fontweight="bold")
    fig.tight_layout()
    return fig


def amplification(results: Mapping[str, Any], *, title: str = ""):
    """Calls arriving at each layer, one group of bars per setup (log scale)."""
    fig, ax = figure(width=8.5, height=4.0)
    items = list(results.items())
    layers = max(len(result.calls_per_layer) for _, result in items)
    width = 0.8 / len(items)
    palette = [COLORS["red"], COLORS["blue"], COLORS["green"], COLORS["orange"]]
    for index, (label, result) in enumerate(items):
        xs = [layer + (index - (len(items) - 1) / 2) * width for layer in range(layers)]
        calls = result.calls_per_layer
        ax.bar(
            xs[: len(calls)], calls, width=width, color=palette[index % len(palette)], label=label
        )
        for x, value in zip(xs, calls, strict=False):
            ax.text(x, value * 1.1, f"{value:,}", ha="center", fontsize=8)
    ax.set_xticks(
        range(layers),
        [f"layer {n + 1}" + ("\n(down)" if n == layers - 1 else "") for n in range(layers)],
    )
    ax.set_yscale("log")
    top = max(max(result.calls_per_layer) for _, result in items)
    ax.set_ylim(0.8, top * 6)
    ax.set_ylabel("calls arriving (log)")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title or "Retries multiply through layers")
    fig.tight_layout()
    return fig


def layers_diagram(layers: int = 5, attempts: int = 3) -> Diagram:
    """A chain of services, each retrying ``attempts`` times, the bottom one down."""
    nodes = ["client"] + [f"service {n}" for n in range(1, layers + 1)]
    lines = []
    for index, name in enumerate(nodes):
        fill = "#FADBD8" if index == layers else "#E8F1FA"
        lines.append(f'  n{index} [label="{name}", fillcolor="{fill}"];')
    for index in range(layers):
        calls = attempts ** (index + 1)
        lines.append(f'  n{index} -> n{index + 1} [label="x{attempts}\\n= {calls:,} calls"];')
    source = (
        "digraph layers {\n  rankdir=LR; nodesep=0.3;\n"
        f'  node [shape=box, style="rounded,filled", fontname="{_FONT}", fontsize=11];\n'
        f'  edge [fontname="{_FONT}", fontsize=10];\n' + "\n".join(lines) + "\n}"
    )
    return Diagram(source, f"{layers} layers, {attempts} attempts each")


#: How each SDK retry mode is named in pictures.
RETRY_MODE_LABELS: dict[str, str] = {
    "legacy": "legacy",
    "standard_before_2026": "standard\n(before 2026)",
    "standard": "standard\n(2026 default)",
}


def retry_modes(rows: Sequence[Mapping], *, title: str = ""):
    """The SDK retry modes under one outage: attempts at the broken service, and outcome.

    ``rows`` are :func:`course_lib.fallacies.retry_modes_outage`'s rows.
    """
    fig, (load, outcome) = figure(width=9.0, height=3.6, ncols=2)
    labels = [RETRY_MODE_LABELS.get(row["mode"], row["mode"]) for row in rows]
    palette = [COLORS["red"], COLORS["orange"], COLORS["blue"], COLORS["green"]]
    colors = [palette[n % len(palette)] for n in range(len(rows))]
    attempts = [row["attempts_during_outage"] for row in rows]
    load.bar(labels, attempts, color=colors)
    for x, value in enumerate(attempts):
        load.text(x, value, f"{value:,}", ha="center", va="bottom", fontsize=9)
    load.set_ylabel("attempts during the outage")
    load.set_ylim(0, max(attempts) * 1.15 or 1)
    load.set_title("Load on the broken service")
    recovered = [row["recovered_after"] for row in rows]
    success = [100 * row["success_rate"] for row in rows]
    outcome.bar(labels, success, color=colors)
    for x, (rate, late) in enumerate(zip(success, recovered, strict=True)):
        outcome.text(
            x,
            rate,
            f"{rate:.1f} %\nrefused {late:.1f} s\nafter",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    outcome.set_ylim(0, 130)
    outcome.set_ylabel("calls that succeeded (%)")
    outcome.set_title("Outcome")
    fig.suptitle(title or "One client, one outage, three retry modes")
    fig.tight_layout()
    return fig


# -- try it ---------------------------------------------------------------------------------


def retry_outcomes(summary: Mapping[str, Any], *, title: str = ""):
    """One request batch as a stacked bar (first try, after retries, failed), calls noted.

    ``summary`` has ``requests``, ``first_try``, ``after_retries``, ``failed`` and
    ``calls``.
    """
    fig, ax = figure(width=8.5, height=2.8)
    parts = (
        ("first try", summary["first_try"], COLORS["green"]),
        ("after retries", summary["after_retries"], COLORS["orange"]),
        ("failed", summary["failed"], COLORS["red"]),
    )
    left = 0
    for label, value, color in parts:
        ax.barh(0, value, left=left, color=color, height=0.5, label=f"{label}: {value}")
        left += value
    ax.set_xlim(0, summary["requests"])
    ax.set_yticks([])
    ax.set_xlabel("requests")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.5), ncols=3)
    per_request = summary["calls"] / summary["requests"]
    ax.set_title(
        title
        or f"{summary['calls']:,} calls for {summary['requests']} requests "
        f"({per_request:.2f} per request)"
    )
    fig.tight_layout()
    return fig


__all__ = [
    "ALGORITHM_STYLES",
    "RETRY_MODE_LABELS",
    "amplification",
    "backoff_comparison",
    "chatty_vs_batched",
    "claim_check_diagram",
    "configuration_drift",
    "endpoint_move",
    "fallacies_map",
    "figure_png",
    "float64_gaps",
    "heterogeneous_clients",
    "human_bytes",
    "human_seconds",
    "latency_numbers",
    "layers_diagram",
    "payload_transfer",
    "retry_modes",
    "retry_outcomes",
    "success_vs_hops",
    "tampering",
    "transport_cost",
]


def fallacies_map() -> Diagram:
    """One order's path through the pizza shop, each hop labelled with fallacies it meets."""
    source = f"""digraph fallacies {{
  rankdir=LR; nodesep=0.5; ranksep=0.9;
  node [shape=box, style="rounded,filled", fillcolor="#E8F1FA", fontname="{_FONT}", fontsize=11];
  edge [fontname="{_FONT}", fontsize=9, color="#555555"];
  phone [label="customer's\\nphone"];
  api [label="API"];
  orders [label="orders\\nservice"];
  kitchen [label="kitchen\\nservice"];
  payments [label="payment provider\\n(another company)", fillcolor="#FFF4DC"];
  phone -> api [label="2 latency\\n8 homogeneous\\n3 bandwidth"];
  api -> orders [label="1 reliable\\n5 topology"];
  orders -> kitchen [label="1 reliable\\n7 transport cost"];
  orders -> payments [label="4 secure\\n6 one administrator"];
}}"""
    return Diagram(source, "one order meets the eight fallacies")


def figure_png(fig) -> bytes:
    """The figure as PNG bytes, closed afterwards: for an ``ipywidgets.Image`` in a Try-it panel.

    Setting an image's value, instead of showing the figure from inside the widget's
    callback, keeps the picture out of the notebook's stored outputs.
    """
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    return buffer.getvalue()
