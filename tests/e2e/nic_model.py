#!/usr/bin/env python3
"""The NIC time mindsim should charge, computed from a NIC file as docs/model.md states it.

usage: nic_model.py NICFILE BYTES...
prints: wr_ns (twice the curve's first value), then for each BYTES the curve's rise from its
first point to BYTES (linear between points, flat below the first, the last slope past the
last); the curve is each point's ns less the measurement's own wire time."""
import json
import math
import sys

nic = json.load(open(sys.argv[1]))
m = nic["measurement"]
gbps, lat = m["link_gbps"]["value"], m["link_latency_ns"]["value"]
hdr, mtu = m["header_bytes"]["value"], m["mtu_bytes"]["value"]


def wire(b):
    return lat + (b + max(1, math.ceil(b / mtu)) * hdr) * 8 / gbps


pts = [(p["bytes"], p["ns"] - wire(p["bytes"])) for p in nic["latency"]]


def curve(b):
    if b <= pts[0][0]:
        return pts[0][1]
    i = 1
    while i < len(pts) - 1 and b > pts[i][0]:
        i += 1
    (b0, t0), (b1, t1) = pts[i - 1], pts[i]
    return t0 + (t1 - t0) * (b - b0) / (b1 - b0)


print("%.9f" % (2 * pts[0][1]), *("%.9f" % (curve(float(b)) - pts[0][1]) for b in sys.argv[2:]))
