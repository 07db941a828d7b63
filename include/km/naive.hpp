// km::naive: the seed text's loops, written plainly. Every point is measured against every centre
// with the canonical distance; it defines the answer every other exact strategy must reproduce.
#pragma once

#include <cstdint>
#include <string_view>

#include <Eigen/Core>

#include "detail/distance.hpp"
#include "detail/parallel.hpp"
#include "detail/points.hpp"

namespace km {

/// Reference strategy: O(n k d) per pass, no extra memory. Best only for tiny data.
struct naive {
  static constexpr std::string_view name = "naive";
  static constexpr std::string_view summary =
      "every point against every centre: the reference, tiny data";

  template <typename Scalar>
  class assigner {
   public:
    assigner(const detail::points_view<Scalar>& points, detail::thread_team& team)
        : points_(points), team_(team) {}

    Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels) {
      distances_ +=
          static_cast<std::uint64_t>(points_.rows()) * static_cast<std::uint64_t>(centres.rows());
      return detail::sum_over_chunks(team_, {points_.rows(), 1024},
                                     [&](Eigen::Index begin, Eigen::Index end, int) {
                                       return assign(centres, labels, begin, end);
                                     });
    }

    std::uint64_t distance_computations() const noexcept { return distances_; }

   private:
    Eigen::Index assign(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels,
                        Eigen::Index begin, Eigen::Index end) const {
      Eigen::Index changed = 0;
      for (Eigen::Index i = begin; i < end; ++i) {
        const int best = detail::nearest_of_all(points_.row(i).data(), centres).index;
        if (labels[i] != best) {
          labels[i] = best;
          ++changed;
        }
      }
      return changed;
    }

    detail::points_view<Scalar> points_;
    detail::thread_team& team_;
    std::uint64_t distances_ = 0;
  };
};

}  // namespace km
