#!/usr/bin/env python3
"""Build ``policy/mapdata/states.json`` (US state outlines as SVG paths).

Data source
-----------
``states-albers-10m.json`` from the ``us-atlas`` npm package (v3,
https://github.com/topojson/us-atlas, ISC licence).  It is derived from the
U.S. Census Bureau's cartographic boundary shapefiles (public domain), is
already projected to a 975x610 Albers USA layout (Alaska and Hawaii inset at
bottom-left), and is stored as TopoJSON with quantized, delta-encoded arcs.
Object ``states`` holds one feature per state (+ DC) with ``id`` = 2-digit
state FIPS code and ``properties.name``.

Rebuilding
----------
The JSON is generated once and committed; nothing imports this script.  To
rebuild it (needs Node/npm only to fetch the file, Python stdlib otherwise)::

    mkdir -p /tmp/usatlas && cd /tmp/usatlas
    npm init -y && npm install us-atlas@3
    cd -   # back to the repository root
    python policy/mapdata/build_map.py \\
        /tmp/usatlas/node_modules/us-atlas/states-albers-10m.json

Output format
-------------
``{"viewBox": "0 0 975 610", "source": ..., "states": {"AL": {"name",
"fips", "label": [x, y]}, ...}}`` keyed and sorted by USPS code, and
``static/img/state-shapes.svg``: one ``<path id="AL" d="...">`` per state, a
static file that browsers cache, which the policy page draws with ``<use>``.

Each ``d`` is an SVG path that uses *relative* commands only: every ring is
``m dx,dy`` followed by ``l dx,dy dx,dy ...`` and closed with ``z``.  All
coordinates are snapped to a 0.1 px grid *before* taking differences, so the
relative path reproduces the rounded absolute coordinates exactly (no drift).
The first ``m`` of a path is relative to (0, 0), i.e. absolute, as the SVG
spec defines; later ``m`` commands are relative to the start of the previous
ring (where ``z`` leaves the current point).  Relative commands make the path
data about a quarter smaller than absolute ``M/L`` coordinates.

Arcs are simplified with Douglas-Peucker (default tolerance 0.7 px) *per
arc*, before they are stitched into rings, so borders shared by two states
are simplified identically and stay gap-free.  Arc end points are always
kept.  Consecutive duplicate points left after rounding are dropped.

``label`` is the area centroid of each state's largest ring, rounded to
0.1 px.  It is good enough for most states; concave or fragmented shapes
(e.g. Florida, Michigan, Louisiana) and the tiny north-eastern states may
need manual offsets or call-outs in the template that draws the map.
"""

import argparse
import json
import os
import sys

SOURCE = "us-atlas states-albers-10m (U.S. Census Bureau cartographic boundaries, public domain)"

FIPS_TO_USPS = {
    "01": "AL",
    "02": "AK",
    "04": "AZ",
    "05": "AR",
    "06": "CA",
    "08": "CO",
    "09": "CT",
    "10": "DE",
    "11": "DC",
    "12": "FL",
    "13": "GA",
    "15": "HI",
    "16": "ID",
    "17": "IL",
    "18": "IN",
    "19": "IA",
    "20": "KS",
    "21": "KY",
    "22": "LA",
    "23": "ME",
    "24": "MD",
    "25": "MA",
    "26": "MI",
    "27": "MN",
    "28": "MS",
    "29": "MO",
    "30": "MT",
    "31": "NE",
    "32": "NV",
    "33": "NH",
    "34": "NJ",
    "35": "NM",
    "36": "NY",
    "37": "NC",
    "38": "ND",
    "39": "OH",
    "40": "OK",
    "41": "OR",
    "42": "PA",
    "44": "RI",
    "45": "SC",
    "46": "SD",
    "47": "TN",
    "48": "TX",
    "49": "UT",
    "50": "VT",
    "51": "VA",
    "53": "WA",
    "54": "WV",
    "55": "WI",
    "56": "WY",
}

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUTPUT = os.path.join(HERE, "states.json")
SHAPES_OUTPUT = os.path.normpath(
    os.path.join(HERE, "..", "..", "static", "img", "state-shapes.svg")
)
VIEW_BOX = "0 0 975 610"


# --------------------------------------------------------------------------
# TopoJSON decoding
# --------------------------------------------------------------------------


def decode_arcs(topology):
    """Return the arcs as lists of absolute (x, y) float points."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            sx, sy = transform["scale"]
            tx, ty = transform["translate"]
            x = y = 0
            points = []
            for position in arc:
                x += position[0]
                y += position[1]
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(points)
    return arcs


def stitch_ring(arc_indexes, arcs):
    """Join the arcs of one ring; a negative index ``~i`` means arc i reversed.

    Consecutive arcs share their joining point, so the first point of every
    arc after the first is dropped.
    """
    ring = []
    for index in arc_indexes:
        points = arcs[~index][::-1] if index < 0 else arcs[index]
        ring.extend(points[1:] if ring else points)
    return ring


def geometry_polygons(geometry):
    """Return a list of polygons (each a list of rings of arc indexes)."""
    kind = geometry["type"]
    if kind == "Polygon":
        return [geometry["arcs"]]
    if kind == "MultiPolygon":
        return list(geometry["arcs"])
    raise ValueError(f"unsupported geometry type {kind!r}")


# --------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------


def _segment_distance_sq(p, a, b):
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return (px - ax) ** 2 + (py - ay) ** 2
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    cx, cy = ax + t * dx, ay + t * dy
    return (px - cx) ** 2 + (py - cy) ** 2


def simplify(points, tolerance):
    """Douglas-Peucker simplification that always keeps both end points."""
    if tolerance <= 0 or len(points) < 3:
        return list(points)
    tol_sq = tolerance * tolerance
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        max_sq, index = 0.0, None
        for i in range(first + 1, last):
            d = _segment_distance_sq(points[i], points[first], points[last])
            if d > max_sq:
                max_sq, index = d, i
        if index is not None and max_sq > tol_sq:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring_area_and_centroid(ring):
    """Signed shoelace area and area centroid of a closed ring."""
    area2 = cx = cy = 0.0
    n = len(ring)
    for i in range(n):
        x0, y0 = ring[i]
        x1, y1 = ring[(i + 1) % n]
        cross = x0 * y1 - x1 * y0
        area2 += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if area2 == 0:
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        return 0.0, (sum(xs) / n, sum(ys) / n)
    return area2 / 2.0, (cx / (3.0 * area2), cy / (3.0 * area2))


def to_grid(ring):
    """Snap points to integer tenths of a pixel, dropping repeated points."""
    out = []
    for x, y in ring:
        point = (round(x * 10), round(y * 10))
        if not out or out[-1] != point:
            out.append(point)
    if len(out) > 1 and out[-1] == out[0]:
        out.pop()  # the closing point is implied by "z"
    return out


def fmt(tenths):
    """Format an integer number of tenths as a short decimal string."""
    sign = "-" if tenths < 0 else ""
    whole, frac = divmod(abs(tenths), 10)
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def rings_to_path(rings):
    """Relative-command SVG path for rings of integer-tenth points."""
    parts = []
    cur = (0, 0)  # current point; after "z" it is the ring's start point
    for ring in rings:
        if len(ring) < 3:
            continue
        x0, y0 = ring[0]
        parts.append(f"m{fmt(x0 - cur[0])},{fmt(y0 - cur[1])}")
        steps = []
        px, py = x0, y0
        for x, y in ring[1:]:
            steps.append(f"{fmt(x - px)},{fmt(y - py)}")
            px, py = x, y
        parts.append("l" + " ".join(steps) + "z")
        cur = (x0, y0)
    return "".join(parts)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def build(topology, tolerance):
    arcs = [simplify(arc, tolerance) for arc in decode_arcs(topology)]
    states, paths = {}, {}
    for geometry in topology["objects"]["states"]["geometries"]:
        fips = str(geometry["id"]).zfill(2)
        code = FIPS_TO_USPS.get(fips)
        if code is None:
            print(f"skipping unknown FIPS {fips}", file=sys.stderr)
            continue
        rings = []
        largest = None  # (abs area, centroid)
        for polygon in geometry_polygons(geometry):
            for ring_index, arc_indexes in enumerate(polygon):
                ring = stitch_ring(arc_indexes, arcs)
                grid = to_grid(ring)
                if len(grid) < 3:
                    continue  # collapsed to (almost) nothing at 0.1 px
                rings.append(grid)
                if ring_index == 0:  # exterior ring
                    area, centroid = ring_area_and_centroid(ring)
                    if largest is None or abs(area) > largest[0]:
                        largest = (abs(area), centroid)
        if not rings:
            raise ValueError(f"state {code} has no drawable rings")
        label = [round(largest[1][0], 1), round(largest[1][1], 1)]
        states[code] = {
            "name": geometry["properties"]["name"],
            "fips": fips,
            "label": label,
        }
        paths[code] = rings_to_path(rings)
    data = {
        "viewBox": VIEW_BOX,
        "source": SOURCE,
        "states": {code: states[code] for code in sorted(states)},
    }
    return data, {code: paths[code] for code in sorted(paths)}


def shapes_svg(paths):
    """The outlines as one static SVG: the page draws each with <use href="…#CODE">."""
    drawn = "".join(f'<path id="{code}" d="{d}"/>\n' for code, d in paths.items())
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{VIEW_BOX}">\n{drawn}</svg>\n'


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Convert us-atlas states-albers-10m.json (TopoJSON) "
        "into SVG path data for a US state map."
    )
    parser.add_argument("topojson", help="path to us-atlas states-albers-10m.json")
    parser.add_argument(
        "-o", "--output", default=DEFAULT_OUTPUT, help="output JSON file (default: %(default)s)"
    )
    parser.add_argument(
        "-t",
        "--tolerance",
        type=float,
        default=0.7,  # indistinguishable at full size; keeps the policy page light
        help="Douglas-Peucker tolerance in px; 0 disables simplification (default: %(default)s)",
    )
    args = parser.parse_args(argv)

    with open(args.topojson, encoding="utf-8") as handle:
        topology = json.load(handle)
    data, paths = build(topology, args.tolerance)

    missing = sorted(set(FIPS_TO_USPS.values()) - set(data["states"]))
    if missing:
        parser.error(f"missing states in input: {', '.join(missing)}")

    with open(args.output, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    with open(SHAPES_OUTPUT, "w", encoding="utf-8") as handle:
        handle.write(shapes_svg(paths))
    for path in (args.output, SHAPES_OUTPUT):
        print(f"wrote {len(paths)} states to {path} ({os.path.getsize(path)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
