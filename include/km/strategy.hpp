// What a strategy of km::kmeans<Strategy> must provide, and the type list that names a set of
// them. km::naive (naive.hpp) is the smallest complete strategy; read it next to this page.
//
// A strategy is an empty struct with
// - `static constexpr std::string_view name`: how tests, benchmarks and command lines call it;
// - `static constexpr std::string_view summary`: one line on when it wins, for help texts;
// - a member template `assigner<Scalar>` (Scalar is float or double), which must implement:
//   - a constructor `assigner(const detail::points_view<Scalar>& points, detail::thread_team&
//     team)`, called once per fit: it may index the points (into a tree, say) and keeps both;
//   - `Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels)`, one
//     assignment pass: labels[i] becomes the centre canonically nearest point i
//     (detail::squared_distance, ties to the lowest index), and it returns how many labels it
//     changed. Labels start at -1, so the first pass changes all of them. Faster arithmetic may
//     rule centres out only under a proven rounding-error margin (DESIGN.md, rule 3);
//   - `std::uint64_t distance_computations() const`, the distances evaluated so far.
//
// An assigner may also report the labels it changes as it changes them, so that the centre
// update need not compare every label after the pass. It then implements
// - `bool reports_moves() const`, the same for the whole fit;
// - `operator()(centres, labels, detail::point_moves<Scalar>* moves)`: with `moves` given, each
//   change goes to moves->move() (detail/moves.hpp) and `labels` may be left as it was; with
//   null, the pass writes `labels` as above;
// - `void write_labels(Eigen::VectorXi& labels) const`, the labels of the last pass;
// - `detail::labelled_points<Scalar> own_points() const`, its own copy of the points with those
//   labels, over which the inertia is summed.
// km::kd_tree does; km::automatic forwards whatever the strategy it chose offers.
//
// Everything beyond the labels (centre update, empty clusters, inertia, stopping) belongs to
// the driver, detail/lloyd.hpp, so a strategy cannot change any bit of the result.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace km {

/// A list of strategies, in the order tests, benchmarks and help texts go through them.
template <typename... Strategies>
struct strategy_list {};

namespace detail {

template <typename... Strategies, typename F>
void for_each_strategy(strategy_list<Strategies...>, F& f) {
  (f(Strategies{}), ...);
}

}  // namespace detail

/// Calls f(Strategy{}) for each strategy of List, in order.
template <typename List, typename F>
void for_each_strategy(F&& f) {
  detail::for_each_strategy(List{}, f);
}

/// Calls f(Strategy{}) for the strategy of List called `name`; false when none is.
template <typename List, typename F>
bool with_strategy(std::string_view name, F&& f) {
  bool found = false;
  for_each_strategy<List>([&](auto strategy) {
    if (!found && decltype(strategy)::name == name) {
      found = true;
      f(strategy);
    }
  });
  return found;
}

/// The names of List's strategies, joined by `separator`.
template <typename List>
std::string strategy_names(std::string_view separator = ", ") {
  std::string names;
  for_each_strategy<List>([&](auto strategy) {
    if (!names.empty()) names += separator;
    names += decltype(strategy)::name;
  });
  return names;
}

namespace detail {

/// Whether Assigner may report its moves (see above).
template <typename Assigner, typename = void>
struct may_report_moves : std::false_type {};
template <typename Assigner>
struct may_report_moves<Assigner,
                        std::void_t<decltype(std::declval<const Assigner&>().reports_moves())>>
    : std::true_type {};

}  // namespace detail
}  // namespace km
