#!/usr/bin/env python3
"""Writes blobs_300x3.csv, .f64 and .f32: the same 300 points in 3-D (three blobs), as text and
as raw little-endian row-major float64 and float32, for the mpi_shards example's tests. The text
has 4 decimals, so the float64 file holds exactly the doubles the CSV reads as. Deterministic:
running it again rewrites the same bytes."""
import random
import struct

rng = random.Random(6)
centres = [(0.0, 0.0, 0.0), (5.0, 5.0, 0.0), (0.0, 5.0, 5.0)]
rows = []
for i in range(300):
    c = centres[i % 3]
    rows.append(["%.4f" % (x + rng.gauss(0.0, 1.0)) for x in c])
with open("blobs_300x3.csv", "w", newline="\n") as f:
    f.writelines(",".join(r) + "\n" for r in rows)
values = [float(v) for r in rows for v in r]
with open("blobs_300x3.f64", "wb") as f:
    f.write(struct.pack("<%dd" % len(values), *values))
with open("blobs_300x3.f32", "wb") as f:
    f.write(struct.pack("<%df" % len(values), *values))
