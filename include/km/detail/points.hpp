// A read-only view of n points with d coordinates each, one contiguous row per point.
#pragma once

#include <Eigen/Core>

#include "../result.hpp"

namespace km::detail {

/// Rows may be further apart than d (a block of a wider row-major matrix); each row is contiguous.
template <typename Scalar>
using points_view = Eigen::Map<const row_matrix<Scalar>, Eigen::Unaligned, Eigen::OuterStride<>>;

/// Binds any dense expression: a row-major one with contiguous rows is used in place, anything else
/// (column-major, strided, an arithmetic expression) is evaluated once into owned storage.
template <typename Scalar>
using points_ref = Eigen::Ref<const row_matrix<Scalar>, Eigen::Unaligned, Eigen::OuterStride<>>;

template <typename Scalar>
points_view<Scalar> view_of(const points_ref<Scalar>& ref) {
  return points_view<Scalar>(ref.data(), ref.rows(), ref.cols(),
                             Eigen::OuterStride<>(ref.outerStride()));
}

template <typename Scalar>
points_view<Scalar> view_of_rows(const row_matrix<Scalar>& rows) {
  return points_view<Scalar>(rows.data(), rows.rows(), rows.cols(),
                             Eigen::OuterStride<>(rows.cols()));
}

/// Points with their labels, in an order of their own: row r is the point with index source[r]
/// (index r when source is null), and labels[r] its label.
template <typename Scalar>
struct labelled_points {
  points_view<Scalar> rows;
  const Eigen::VectorXi& labels;
  const Eigen::Index* source = nullptr;

  Eigen::Index index(Eigen::Index r) const { return source != nullptr ? source[r] : r; }
};

}  // namespace km::detail
