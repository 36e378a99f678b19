"""Server-rendered SVG: bar charts and workflow diagrams, readable without JavaScript.

Each picture is an `<svg role="img">` with a `<title>` and `<desc>`; the pages put a
table or list next to it with the same figures, so nobody depends on the picture.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from service.engine.types import Workflow


@dataclass(frozen=True)
class Series:
    """One row of bars: a name (for the legend) and a value per category."""

    name: str
    values: Sequence[int | float]


def _attrs(**values: object) -> str:
    return " ".join(
        f'{k.rstrip("_").replace("_", "-")}="{escape(str(v))}"' for k, v in values.items()
    )


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 640,
    height: int = 240,
) -> Markup:
    """Return a grouped bar chart; series differ by fill pattern as well as colour."""
    left, right, top, bottom = 40, 10, 10, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([v for s in series for v in s.values] + [1])
    step = _nice_step(top_value)
    scale_max = step * -(-top_value // step)
    group_w = plot_w / max(len(categories), 1)
    bar_w = max(2.0, (group_w - 6) / max(len(series), 1))
    parts = [
        f"<svg {_attrs(id=chart_id, class_='chart', viewBox=f'0 0 {width} {height}', role='img')}"
        f' aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" class="series-1"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern></defs>',
    ]
    tick = 0.0
    while tick <= scale_max:
        y = top + plot_h - plot_h * tick / scale_max
        parts.append(f"<line {_attrs(x1=left, x2=width - right, y1=y, y2=y, class_='grid')}/>")
        parts.append(
            f"<text {_attrs(x=left - 4, y=y + 4, class_='tick', text_anchor='end')}>"
            f"{_number(tick)}</text>"
        )
        tick += step
    for ci, category in enumerate(categories):
        x0 = left + ci * group_w + 3
        for si, s in enumerate(series):
            value = s.values[ci] if ci < len(s.values) else 0
            h = plot_h * value / scale_max
            fill = "url(#hatch)" if si % 2 else ""
            parts.append(
                f"<rect {_attrs(x=round(x0 + si * bar_w, 1), y=round(top + plot_h - h, 1))}"
                f" {_attrs(width=round(bar_w - 1, 1), height=round(h, 1), class_=f'series-{si}')}"
                + (f' fill="{fill}"' if fill else "")
                + f"><title>{escape(s.name)}, {escape(category)}: {_number(value)}</title></rect>"
            )
        cx = x0 + group_w / 2 - 3
        parts.append(
            f"<text {_attrs(x=round(cx, 1), y=top + plot_h + 14, class_='label')}"
            f' text-anchor="middle">{escape(category)}</text>'
        )
    legend_y = height - 18
    for si, s in enumerate(series):
        x = left + si * 160
        fill = ' fill="url(#hatch)"' if si % 2 else ""
        box = _attrs(x=x, y=legend_y - 10, width=12, height=12, class_=f"series-{si}")
        parts.append(f"<rect {box}{fill}/>")
        parts.append(
            f"<text {_attrs(x=x + 16, y=legend_y, class_='legend')}>{escape(s.name)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_step(top: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top / step <= 5:
            return float(step)
    return float(10 ** len(str(int(top))) / 5)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def layers(workflow: Workflow) -> list[list[str]]:
    """Return the states in breadth-first order from the initial state, one list per layer.

    States not reachable from the initial one (only possible in a broken definition) go
    into a last layer so the picture still shows them.
    """
    initial = workflow.initial_state.name
    depth = {initial: 0}
    queue = deque([initial])
    while queue:
        name = queue.popleft()
        for t in workflow.transitions:
            if name in t.sources and t.target not in depth:
                depth[t.target] = depth[name] + 1
                queue.append(t.target)
    last = max(depth.values()) + 1
    result: list[list[str]] = [[] for _ in range(last + 1)]
    for state in workflow.states:
        result[depth.get(state.name, last)].append(state.name)
    return [layer for layer in result if layer]


def workflow_diagram(workflow: Workflow, lang: str, chart_id: str = "workflow") -> Markup:
    """Return the workflow as boxes (states, by BFS layer) and labelled arrows (transitions)."""
    box_w, box_h, col_gap, row_gap, margin = 170, 44, 110, 46, 20
    grid = layers(workflow)
    pos: dict[str, tuple[float, float]] = {}
    for li, layer in enumerate(grid):
        for ri, name in enumerate(layer):
            pos[name] = (margin + li * (box_w + col_gap), margin + ri * (box_h + row_gap))
    width = margin * 2 + len(grid) * (box_w + col_gap) - col_gap
    height = margin * 2 + max(len(layer) for layer in grid) * (box_h + row_gap) - row_gap + 30
    title = workflow.title.get(lang)
    parts = [
        f"<svg {_attrs(id=chart_id, class_='diagram', viewBox=f'0 0 {width} {height}', role='img')}"
        f' aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">'
        + escape(
            "Zustände und Übergänge; die Liste unter dem Bild enthält dieselben Angaben."
            if lang != "en"
            else "States and transitions; the list below the picture holds the same information."
        )
        + "</desc>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'class="arrowhead"/></marker></defs>',
    ]
    seen_pairs: dict[tuple[str, str], int] = {}
    for t in workflow.transitions:
        for source in t.sources:
            if source not in pos or t.target not in pos or source == t.target:
                continue
            n = seen_pairs.get((source, t.target), 0)
            seen_pairs[(source, t.target)] = n + 1
            parts.append(_edge(pos[source], pos[t.target], box_w, box_h, n, t.title.get(lang)))
    for state in workflow.states:
        x, y = pos[state.name]
        css = "state" + (" initial" if state.initial else "") + (" final" if state.final else "")
        parts.append(
            f'<g class="{css}"><rect {_attrs(x=x, y=y, width=box_w, height=box_h, rx=6)}/>'
            + (
                f"<rect {_attrs(x=x + 3, y=y + 3, width=box_w - 6, height=box_h - 6, rx=4)}/>"
                if state.final
                else ""
            )
            + f'<text {_attrs(x=x + box_w / 2, y=y + box_h / 2 + 5)} text-anchor="middle">'
            f"{escape(state.title.get(lang))}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _edge(
    a: tuple[float, float], b: tuple[float, float], box_w: int, box_h: int, n: int, label: str
) -> str:
    (ax, ay), (bx, by) = a, b
    offset = n * 14
    if bx > ax:  # forward: right side of the source to the left side of the target
        x1, y1, x2, y2 = ax + box_w, ay + box_h / 2 + offset, bx, by + box_h / 2 + offset
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        path = f"M {x1} {y1} L {x2} {y2}"
        lx, ly = cx, cy - 4
    else:  # back or sideways: curve below the boxes
        x1, y1 = ax + box_w / 2 + offset, ay + box_h
        x2, y2 = bx + box_w / 2 - offset, by + box_h
        cx, cy = (x1 + x2) / 2, max(y1, y2) + 40 + offset
        path = f"M {x1} {y1} Q {cx} {cy} {x2} {y2}"
        lx, ly = cx, cy - 12
    return (
        f'<g class="transition"><path d="{path}" marker-end="url(#arrow)"/>'
        f'<text {_attrs(x=round(lx, 1), y=round(ly, 1))} text-anchor="middle">'
        f"{escape(label)}</text></g>"
    )
