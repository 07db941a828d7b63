"""km: exact, reproducible k-means, as scikit-learn estimators.

``km.KMeans`` and ``km.MiniBatchKMeans`` run the km C++ library (the same headers as C++ users
include) behind scikit-learn's estimator API. Every ``algorithm`` of KMeans returns the same
result bit for bit, on every thread count, and the same bits as a C++ program given the same
data and options.

    import km
    model = km.KMeans(n_clusters=10, random_state=7).fit(X)
    model.labels_, model.cluster_centers_, model.inertia_

Differences from scikit-learn's KMeans are listed in ``km.KMeans``'s docstring and in
python/README.md.
"""

from ._core import init_methods, strategies, version
from ._kmeans import KMeans
from ._mini_batch import MiniBatchKMeans

__version__ = version

__all__ = ["KMeans", "MiniBatchKMeans", "init_methods", "strategies", "__version__"]
