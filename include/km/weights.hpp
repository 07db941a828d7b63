// Sample weights: how much each point counts in a fit. Wrapped in their own type so that a call
// cannot mistake them for initial centres (both would otherwise be Eigen objects):
//
//   Eigen::VectorXd w = ...;                              // n entries, finite, >= 0
//   km::result<double> r = model.fit(points, km::weights(w));
//   km::result<double> r2 = model.fit(points, km::weights(w), initial_centres);
//
// A point of weight w counts as w copies of itself: in the k-means++ draws (D^2 x w), in the
// centres (weighted means), in the choice of a point for an empty cluster and in the inertia
// (sum of w x D^2). Weight 0 is the point left out (it still gets a label); scaling every weight by
// one factor changes nothing but rounding (nothing at all for a power of two).
#pragma once

#include <Eigen/Core>

namespace km {

/// Weights of the points of one fit, in point order: a view of a contiguous vector, or an owned
/// copy of any other expression. Made by km::weights(); neither copied nor moved, so a view
/// never outlives the call that made it by accident. Keep the viewed vector alive while the
/// wrapper is in use (pass it straight to fit() where possible).
template <typename Scalar>
class sample_weights {
 public:
  template <typename Derived>
  explicit sample_weights(const Eigen::MatrixBase<Derived>& values) {
    if constexpr (bool(Derived::Flags & Eigen::DirectAccessBit)) {
      if (values.innerStride() == 1) {
        data_ = values.derived().data();
        size_ = values.size();
        return;
      }
    }
    copy_ = values;
    data_ = copy_.data();
    size_ = copy_.size();
  }
  sample_weights(const sample_weights&) = delete;
  sample_weights& operator=(const sample_weights&) = delete;

  const Scalar* data() const noexcept { return data_; }
  Eigen::Index size() const noexcept { return size_; }

 private:
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> copy_;  // empty when viewing the caller's vector
  const Scalar* data_ = nullptr;
  Eigen::Index size_ = 0;
};

/// Marks `values` (a vector of n weights, float or double like the points) as sample weights.
template <typename Derived>
sample_weights<typename Derived::Scalar> weights(const Eigen::MatrixBase<Derived>& values) {
  static_assert(Derived::IsVectorAtCompileTime,
                "km::weights: the weights must be a vector (one entry per point)");
  return sample_weights<typename Derived::Scalar>(values);
}

}  // namespace km
