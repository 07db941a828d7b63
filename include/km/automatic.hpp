// km::automatic, the default strategy of km::kmeans<>: picks the exact strategy expected to be
// fastest for the shape of the problem. Every exact strategy returns the same bits, so the choice
// changes the speed and never the result.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <variant>

#include <Eigen/Core>

#include "detail/moves.hpp"
#include "detail/parallel.hpp"
#include "detail/points.hpp"
#include "detail/tile_screen.hpp"
#include "elkan.hpp"
#include "hamerly.hpp"
#include "kd_tree.hpp"
#include "naive.hpp"
#include "strategy.hpp"
#include "vectorised.hpp"

namespace km {

/// The strategies automatic chooses from.
enum class strategy_choice { naive, vectorised, kd_tree, hamerly, elkan };

struct automatic {
  static constexpr std::string_view name = "automatic";
  static constexpr std::string_view summary =
      "picks one of the others from the shape of the data (the default)";

  /// Elkan's n x k bounds beyond this go to hamerly instead (km::elkan itself accepts 4 GiB).
  static constexpr std::uint64_t elkan_bound_bytes = std::uint64_t(1) << 30;

  /// Up to this many columns, and from kd_tree_points points on, kd_tree whatever k (the
  /// first branch of choose()).
  static constexpr Eigen::Index kd_tree_dimensions = 3;
  static constexpr Eigen::Index kd_tree_points = 20000;

  /// Up to this many centres (outside the kd_tree branch), naive.
  static constexpr int naive_centres = 4;

  /// From this many centres, no opening of vectorised passes before hamerly, and long rows
  /// (over expanded_dimensions) go to vectorised.
  static constexpr int many_centres = 128;
  static constexpr Eigen::Index expanded_dimensions = detail::tile_screen<double>::max_dimensions;

  /// The rule, from the crossovers the benchmark suite measures (bench/README.md, "How
  /// km::automatic chooses", has the figures behind each branch):
  /// - d <= 3 and n >= 20000: kd_tree. Boxes separate the centres well in low dimension, and
  ///   the tree's build pays off from some 20000 points.
  /// - k <= 4: naive. A few centres fill a fraction of a register for the vectorised screen, and
  ///   bounds have little to skip.
  /// - d >= 128 and k >= 32: elkan, after an opening of vectorised passes (see opening_share).
  ///   Its k bounds per point skip most of the long distances, which cost the most there,
  ///   where hamerly's single lower bound stops pruning.
  /// - k >= 128 and d > 64: vectorised. Many centres on rows too long for the tile screen: the
  ///   matrix product runs near the machine's peak, and a point whose bounds fail would be
  ///   compared canonically, at a third of that rate.
  /// - otherwise hamerly: in low and mid dimension most points keep their centre once the
  ///   centres settle, and then cost O(1) each; the others go through the same screen as
  ///   vectorised. Below 128 centres it opens with vectorised passes (see opening_share): while
  ///   the centres move a lot, bounds fail and only cost their upkeep. From 128 centres the
  ///   upkeep is small next to a point's k scores, and hamerly starts at once.
  static constexpr strategy_choice choose(Eigen::Index n, Eigen::Index d, int k) {
    if (d <= kd_tree_dimensions && n >= kd_tree_points) return strategy_choice::kd_tree;
    if (k <= naive_centres) return strategy_choice::naive;
    const std::uint64_t elkan_bytes =
        static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(k) * sizeof(double);
    if (d >= 128 && k >= 32 && elkan_bytes <= elkan_bound_bytes) return strategy_choice::elkan;
    if (k >= many_centres && d > expanded_dimensions) return strategy_choice::vectorised;
    return strategy_choice::hamerly;
  }

  /// Whether the strategy choose() settled on opens with vectorised passes.
  static constexpr bool opens_vectorised(strategy_choice settled, int k) {
    return settled == strategy_choice::elkan ||
           (settled == strategy_choice::hamerly && k < many_centres);
  }

  /// When opens_vectorised(), passes run vectorised until at most n / share labels
  /// change in one, and the bounds take over from the next pass: set up while centres still
  /// move a lot, they would fail for most points and cost more than the vectorised screen.
  /// Hamerly takes over at 0.33%; Elkan sooner, at 10%: its first pass sets all k bounds from
  /// one matrix product anyway.
  static constexpr Eigen::Index opening_share(strategy_choice settled) {
    return settled == strategy_choice::elkan ? 10 : 300;
  }

  template <typename Scalar>
  class assigner {
   public:
    assigner(const detail::points_view<Scalar>& points, detail::thread_team& team)
        : points_(points), team_(team) {
      // Where the rule does not depend on k, the strategy starts now, in the order its own fit
      // would allocate in: a kd-tree built after the driver's buffers lands on fresh pages.
      if (points.cols() <= kd_tree_dimensions && points.rows() >= kd_tree_points) {
        settled_ = strategy_choice::kd_tree;
        start(settled_);
      }
    }

    /// k is known only now, with the first centres: the choice and the chosen strategy's
    /// per-fit set-up (a kd-tree, bounds) happen on the first pass. Every strategy gives the
    /// same labels, so changing strategy between passes changes nothing but the speed.
    Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels,
                            detail::point_moves<Scalar>* moves = nullptr) {
      if (std::holds_alternative<std::monostate>(chosen_)) {
        const int k = static_cast<int>(centres.rows());
        settled_ = choose(points_.rows(), points_.cols(), k);
        opening_ = opens_vectorised(settled_, k);
        start(opening_ ? strategy_choice::vectorised : settled_);
      }
      const Eigen::Index changed = std::visit(
          [&](auto& chosen) -> Eigen::Index {
            using type = std::decay_t<decltype(chosen)>;
            if constexpr (std::is_same_v<type, std::monostate>) {
              return 0;  // unreachable: a strategy was emplaced above
            } else if constexpr (detail::may_report_moves<type>::value) {
              return chosen(centres, labels, moves);
            } else {
              return chosen(centres, labels);
            }
          },
          chosen_);
      if (opening_ && changed * opening_share(settled_) <= points_.rows()) {
        opening_distances_ = distance_computations();
        opening_ = false;
        start(settled_);
      }
      return changed;
    }

    /// Moves are reported (strategy.hpp) when the strategy settled on from the start, which
    /// then runs the whole fit, reports them.
    bool reports_moves() const {
      return std::visit(
          [](const auto& chosen) {
            if constexpr (detail::may_report_moves<std::decay_t<decltype(chosen)>>::value) {
              return chosen.reports_moves();
            } else {
              return false;
            }
          },
          chosen_);
    }
    detail::labelled_points<Scalar> own_points() const {
      return std::visit(
          [](const auto& chosen) -> detail::labelled_points<Scalar> {
            if constexpr (detail::may_report_moves<std::decay_t<decltype(chosen)>>::value) {
              return chosen.own_points();
            } else {
              throw std::logic_error("km::automatic: own_points() without reports_moves()");
            }
          },
          chosen_);
    }
    void write_labels(Eigen::VectorXi& labels) const {
      std::visit(
          [&](const auto& chosen) {
            if constexpr (detail::may_report_moves<std::decay_t<decltype(chosen)>>::value) {
              chosen.write_labels(labels);
            }
          },
          chosen_);
    }

    std::uint64_t distance_computations() const {
      return opening_distances_ +
             std::visit(
                 [](const auto& chosen) -> std::uint64_t {
                   if constexpr (std::is_same_v<std::decay_t<decltype(chosen)>, std::monostate>) {
                     return 0;
                   } else {
                     return chosen.distance_computations();
                   }
                 },
                 chosen_);
    }

   private:
    /// Sets up `which` (its per-fit state: a kd-tree, bounds) for the passes from now on.
    void start(strategy_choice which) {
      switch (which) {
        case strategy_choice::naive:
          chosen_.template emplace<naive_type>(points_, team_);
          break;
        case strategy_choice::vectorised:
          chosen_.template emplace<vectorised_type>(points_, team_);
          break;
        case strategy_choice::kd_tree:
          chosen_.template emplace<kd_tree_type>(points_, team_);
          break;
        case strategy_choice::hamerly:
          // After a vectorised opening, hamerly takes the largest norm it measured: one pass
          // over the points fewer.
          if (const auto* opening = std::get_if<vectorised_type>(&chosen_)) {
            const Scalar largest_norm = opening->largest_norm();
            chosen_.template emplace<hamerly_type>(points_, team_, largest_norm);
          } else {
            chosen_.template emplace<hamerly_type>(points_, team_);
          }
          break;
        case strategy_choice::elkan:
          chosen_.template emplace<elkan_type>(points_, team_);
          break;
      }
    }

    using naive_type = naive::assigner<Scalar>;
    using vectorised_type = vectorised::assigner<Scalar>;
    using kd_tree_type = kd_tree::assigner<Scalar>;
    using hamerly_type = hamerly::assigner<Scalar>;
    using elkan_type = elkan::assigner<Scalar>;

    detail::points_view<Scalar> points_;
    detail::thread_team& team_;
    // Valueless after an emplace that threw, when std::visit throws: so no member visiting it is
    // noexcept.
    std::variant<std::monostate, naive_type, vectorised_type, kd_tree_type, hamerly_type,
                 elkan_type>
        chosen_;
    strategy_choice settled_ = strategy_choice::naive;  // set on the first pass
    bool opening_ = false;                 // vectorised passes run before settled_ takes over
    std::uint64_t opening_distances_ = 0;  // of the vectorised opening, if any
  };
};

}  // namespace km
