"""scikit-learn's own estimator checks (sklearn.utils.estimator_checks), every one of them, for
km.KMeans and km.MiniBatchKMeans.

The only expected failure, declared in _more_tags: check_sample_weights_invariance with
kind='zeros' (scikit-learn's KMeans and MiniBatchKMeans declare it too). The declaration also
turns off its kind='ones', which test_unit_weights_change_nothing runs. For KMeans, zero weights
leave the samples out, but the check also shuffles them, so the initialisation's draws meet them
in another order and the same clusters come out numbered differently;
test_zero_weights_leave_samples_out shows that they are the same clusters. For MiniBatchKMeans,
the batches are drawn from all samples, so removing some changes the draws.
"""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import (
    check_sample_weights_invariance,
    parametrize_with_checks,
)

import km


@parametrize_with_checks([km.KMeans(), km.MiniBatchKMeans()])
def test_sklearn_estimator_check(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator", [km.KMeans(n_init=2, max_iter=5), km.MiniBatchKMeans(max_iter=5, batch_size=10)])
def test_unit_weights_change_nothing(estimator):
    check_sample_weights_invariance(type(estimator).__name__, estimator, kind="ones")


def test_zero_weights_leave_samples_out():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3)) + np.repeat(np.eye(3) * 8, 100, axis=0)
    noise = rng.uniform(-20, 20, size=(300, 3))
    weights = np.r_[np.ones(300), np.zeros(300)]
    order = rng.permutation(600)
    weighted = km.KMeans(3, random_state=0).fit(np.r_[X, noise][order], sample_weight=weights[order])
    kept = km.KMeans(3, random_state=0).fit(X)
    assert adjusted_rand_score(kept.labels_, weighted.labels_[np.argsort(order)][:300]) == 1.0
    np.testing.assert_allclose(weighted.inertia_, kept.inertia_, rtol=1e-12)
