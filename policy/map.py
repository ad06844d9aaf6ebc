"""The state map, drawn server-side from committed Census shapes, colored by stage."""

import json
from functools import cache
from pathlib import Path

from django.templatetags.static import static

from policy.models import STAGE_DEFINITIONS, Stage

SHAPES = Path(__file__).parent / "mapdata" / "states.json"
# The outlines themselves: a static file browsers keep, so the page carries only links,
# colors and labels (the outlines would be two thirds of its weight).
OUTLINES = "img/state-shapes.svg"
# DC and the territories are too small or too far to draw to scale: a column of tiles in the
# Atlantic instead.
TILE_ORIGIN, TILE_STEP = (920, 300), 42
# Label nudges (dx, dy) where the shape's centroid sits badly; None: too small to label.
LABEL_OFFSETS = {
    "LA": (-14, -20), "FL": (22, 18), "MI": (0, 12), "NJ": (2, 10), "DE": (3, 7),
    "MD": (-6, -7), "MA": (-14, 0), "TX": (22, 11), "OK": (20, 3), "KY": (15, -6),
    "NC": (17, 0), "ID": (-7, 16), "CA": (4, 30), "RI": None, "DC": None,
}  # fmt: skip
# North-eastern states too small to label inside their shape: a labelled call-out in the
# Atlantic, joined to the state by a line, in this order from the top.
CALLOUTS = ["VT", "NH", "MA", "RI", "CT", "NJ", "DE", "MD"]
CALLOUT_X, CALLOUT_TOP, CALLOUT_STEP = 932, 112, 23
# The phone map: every state a same-sized tile at (row, column) of an 11-column grid shaped
# roughly like the country; DC and the territories take the last row.
TILE_GRID = {
    "AK": (1, 1), "ME": (1, 11), "VT": (2, 10), "NH": (2, 11),
    "WA": (3, 1), "ID": (3, 2), "MT": (3, 3), "ND": (3, 4), "MN": (3, 5), "IL": (3, 6),
    "WI": (3, 7), "MI": (3, 8), "NY": (3, 9), "RI": (3, 10), "MA": (3, 11),
    "OR": (4, 1), "NV": (4, 2), "WY": (4, 3), "SD": (4, 4), "IA": (4, 5), "IN": (4, 6),
    "OH": (4, 7), "PA": (4, 8), "NJ": (4, 9), "CT": (4, 10),
    "CA": (5, 1), "UT": (5, 2), "CO": (5, 3), "NE": (5, 4), "MO": (5, 5), "KY": (5, 6),
    "WV": (5, 7), "VA": (5, 8), "MD": (5, 9), "DE": (5, 10),
    "AZ": (6, 2), "NM": (6, 3), "KS": (6, 4), "AR": (6, 5), "TN": (6, 6), "NC": (6, 7),
    "SC": (6, 8), "OK": (7, 4), "LA": (7, 5), "MS": (7, 6), "AL": (7, 7), "GA": (7, 8),
    "HI": (8, 1), "TX": (8, 4), "FL": (8, 9),
}  # fmt: skip


def label_point(code, label):
    offset = LABEL_OFFSETS.get(code, (0, 0))
    if offset is None:
        return None
    return [label[0] + offset[0], label[1] + offset[1]]


@cache
def shapes():
    return json.loads(SHAPES.read_text(encoding="utf-8"))


def map_entries(states, stages):
    """Per state: its shape (None for territories, drawn as tiles) and stage on the map's day."""
    drawn = shapes()["states"]
    outlines = static(OUTLINES)
    entries = []
    tiles = 0
    extra_tiles = 0
    for state in states:
        change = stages.get(state.pk)
        stage = Stage(change.stage) if change else Stage.NOT_ASSESSED
        shape = drawn.get(state.code) if state.jurisdiction == "state" else None
        tile = None
        if shape is None:
            tile = (TILE_ORIGIN[0], TILE_ORIGIN[1] + tiles * TILE_STEP)
            tiles += 1
        grid = TILE_GRID.get(state.code)
        if grid is None:
            grid = (9, extra_tiles + 1)
            extra_tiles += 1
        callout = None
        if shape and state.code in CALLOUTS:
            y = CALLOUT_TOP + CALLOUTS.index(state.code) * CALLOUT_STEP
            callout = {"from": shape["label"], "to": (CALLOUT_X - 6, y - 4), "at": (CALLOUT_X, y)}
        entries.append(
            {
                "state": state,
                "stage": stage,
                "since": change.effective_from if change else None,
                "outline": f"{outlines}#{state.code}" if shape else None,
                "label": None
                if callout
                else label_point(state.code, shape["label"])
                if shape
                else None,
                "callout": callout,
                "tile": tile,
                "grid": grid,
            }
        )
    return entries


def legend():
    return [(stage, STAGE_DEFINITIONS[stage]) for stage in Stage]
