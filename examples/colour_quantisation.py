"""Colour quantisation with km.KMeans: a photo redrawn with 16 colours, each the centre of a
cluster of its pixels' colours, written as a before/after PNG.

    python examples/colour_quantisation.py [OUT.png] [--colours N]

Needs the km package (python/README.md: pip install ./python), matplotlib and Pillow (Debian:
python3-matplotlib, python3-pil); the photo is scikit-learn's sample china.jpg. Every pixel takes
part in the fit (427 x 640 = 273,280 points in 3 dimensions, where km's kd-tree strategy is at its
best), and the same seed gives the same colours on every machine and thread count.
"""

import argparse
import time

import matplotlib

matplotlib.use("Agg")  # files only, no window
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_image

import km


def quantise(image, colours, seed=0):
    """The image with each pixel replaced by the centre of its colour's cluster."""
    pixels = image.reshape(-1, 3).astype(np.float32) / 255  # float32: read by km in place
    model = km.KMeans(n_clusters=colours, random_state=seed).fit(pixels)
    palette = model.cluster_centers_
    return palette[model.labels_].reshape(image.shape), model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="china_quantised.png")
    parser.add_argument("--colours", type=int, default=16)
    args = parser.parse_args()

    image = load_sample_image("china.jpg")
    start = time.perf_counter()
    quantised, model = quantise(image, args.colours)
    seconds = time.perf_counter() - start
    print(f"{image.shape[0] * image.shape[1]} pixels, {args.colours} colours: {model.n_iter_} "
          f"iterations, inertia {model.inertia_:.6g}, {seconds:.2f} s")

    figure, (before, after) = plt.subplots(1, 2, figsize=(12, 4.5))
    before.imshow(image)
    before.set_title(f"original ({len(np.unique(image.reshape(-1, 3), axis=0))} colours)")
    after.imshow(quantised)
    after.set_title(f"km.KMeans, {args.colours} colours")
    for axes in (before, after):
        axes.axis("off")
    figure.tight_layout()
    figure.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
