"""Dashboard charts drawn by matplotlib (already installed with Rasa) as inline SVG."""

from __future__ import annotations

import io
from datetime import date
from typing import List, Tuple

import matplotlib

matplotlib.use("Agg")
from matplotlib.dates import AutoDateLocator, DateFormatter  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

BLUE, RED, GREY, ORANGE = "#1d4f91", "#c8102e", "#6b7280", "#d97706"


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE to inline it in HTML


def _figure(title: str) -> Tuple[Figure, object]:
    figure = Figure(figsize=(7.5, 2.8), dpi=100)
    axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    return figure, axes


def _label(text: str, limit: int = 60) -> str:
    """Text drawn as it is: matplotlib reads "$...$" as a formula (an intent name is data)."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def _dates(axes) -> None:
    axes.xaxis.set_major_locator(AutoDateLocator(maxticks=8))
    axes.xaxis.set_major_formatter(DateFormatter("%d/%m"))


def volume_chart(days: List[date], conversations: List[int], messages: List[int]) -> str:
    figure, axes = _figure("Conversaciones y mensajes por día")
    axes.bar(days, conversations, color=BLUE, label="Conversaciones")
    axes.plot(days, messages, color=ORANGE, marker="o", markersize=3, label="Mensajes de ciudadanos")
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _dates(axes)
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    return _svg(figure)


def rates_chart(days: List[date], fallback: List[float], handoff: List[float]) -> str:
    figure, axes = _figure("Tasa de no entendidos y de pedidos de atención humana (% de conversaciones)")
    axes.plot(days, fallback, color=RED, marker="o", markersize=3, label="No entendió (fallback)")
    axes.plot(days, handoff, color=GREY, marker="s", markersize=3, label="Pidió hablar con una persona")
    axes.set_ylim(0, max([10.0] + list(fallback) + list(handoff)) * 1.1)
    axes.yaxis.set_major_formatter(lambda value, _pos: f"{value:.0f} %")
    _dates(axes)
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    return _svg(figure)


def intents_chart(top: List[Tuple[str, int]]) -> str:
    figure, axes = _figure("Intenciones más frecuentes")
    figure.set_size_inches(7.5, max(2.0, 0.35 * len(top) + 0.8))
    names = [_label(name) for name, _ in reversed(top)] or ["(sin datos)"]
    counts = [count for _, count in reversed(top)] or [0]
    axes.barh(names, counts, color=BLUE)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="x", alpha=0.3)
    axes.grid(axis="y", visible=False)
    axes.tick_params(axis="y", labelsize=8)
    return _svg(figure)
