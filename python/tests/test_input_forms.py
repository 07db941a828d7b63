"""What X may be: C-contiguous float32 and float64 arrays are read in place, anything else is
converted once (integers to float64, as scikit-learn does); centres follow X's dtype."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

import km
from conftest import blobs


def peak_allocation(action):
    """Bytes NumPy allocated at most at once during action() (NumPy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_contiguous_floats_are_read_in_place(dtype):
    X = blobs(200_000, 8, 5, dtype=dtype)
    model = km.KMeans(5, random_state=0, max_iter=3)
    model.fit(X)  # imports and first-call set-up outside the measurement
    assert peak_allocation(lambda: model.fit(X)) < X.nbytes / 10
    assert peak_allocation(lambda: model.predict(X)) < X.nbytes / 10
    assert model.cluster_centers_.dtype == dtype
    assert model.transform(X[:10]).dtype == dtype


@pytest.mark.parametrize(
    "form", [np.asfortranarray, lambda X: X[:, ::1].repeat(2, axis=1)[:, ::2],
             lambda X: (X * 100).astype(np.int64)])
def test_anything_else_is_converted_once(form):
    X = form(blobs(200_000, 8, 5))
    model = km.KMeans(5, random_state=0, max_iter=3)
    model.fit(X)
    converted = X.shape[0] * X.shape[1] * 8
    peak = peak_allocation(lambda: model.fit(X))
    assert converted <= peak < 1.5 * converted
    assert model.cluster_centers_.dtype == np.float64


def test_lists_and_data_frames():
    X = blobs(300, 2, 3)
    from_array = km.KMeans(3, random_state=1).fit(X)
    from_list = km.KMeans(3, random_state=1).fit(X.tolist())
    frame = pd.DataFrame(X, columns=["x", "y"])
    from_frame = km.KMeans(3, random_state=1).fit(frame)
    np.testing.assert_array_equal(from_list.cluster_centers_, from_array.cluster_centers_)
    np.testing.assert_array_equal(from_frame.cluster_centers_, from_array.cluster_centers_)
    np.testing.assert_array_equal(from_frame.feature_names_in_, ["x", "y"])
    assert list(from_frame.get_feature_names_out()) == ["kmeans0", "kmeans1", "kmeans2"]


def test_predict_converts_to_the_centres_dtype():
    X = blobs(300, 2, 3, dtype=np.float32)
    model = km.KMeans(3, random_state=1).fit(X)
    np.testing.assert_array_equal(model.predict(X.astype(np.float64)), model.labels_)
