"""The state map, drawn server-side from committed Census shapes, coloured by stage."""

import json
from functools import cache
from pathlib import Path

from policy.models import STAGE_DEFINITIONS, Stage

SHAPES = Path(__file__).parent / "mapdata" / "states.json"
# DC and the territories are too small or too far to draw to scale: a column of tiles in the
# Atlantic instead.
TILE_ORIGIN, TILE_STEP = (920, 300), 42
# Label nudges (dx, dy) where the shape's centroid sits badly; None: too small to label.
LABEL_OFFSETS = {
    "LA": (-14, -20), "FL": (22, 18), "MI": (0, 12), "NJ": (2, 10), "DE": (3, 7),
    "MD": (-6, -7), "MA": (-14, 0), "TX": (22, 11), "OK": (20, 3), "KY": (15, -6),
    "NC": (17, 0), "ID": (-7, 16), "CA": (4, 30), "RI": None, "DC": None,
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
    entries = []
    tiles = 0
    for state in states:
        change = stages.get(state.pk)
        stage = Stage(change.stage) if change else Stage.NOT_ASSESSED
        shape = drawn.get(state.code) if state.jurisdiction == "state" else None
        tile = None
        if shape is None:
            tile = (TILE_ORIGIN[0], TILE_ORIGIN[1] + tiles * TILE_STEP)
            tiles += 1
        entries.append(
            {
                "state": state,
                "stage": stage,
                "since": change.effective_from if change else None,
                "d": shape["d"] if shape else None,
                "label": label_point(state.code, shape["label"]) if shape else None,
                "tile": tile,
            }
        )
    return entries


def legend():
    return [(stage, STAGE_DEFINITIONS[stage]) for stage in Stage]
