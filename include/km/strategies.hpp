// The one list of km's exact strategies. Tests, benchmarks and examples go through it, so adding a
// strategy is its header (strategy.hpp says what it must provide) plus one entry here.
#pragma once

#include "automatic.hpp"
#include "elkan.hpp"
#include "exponion.hpp"
#include "hamerly.hpp"
#include "kd_tree.hpp"
#include "naive.hpp"
#include "strategy.hpp"
#include "vectorised.hpp"
#include "yinyang.hpp"

namespace km {

/// Every exact strategy: naive, the reference, first; automatic, which picks among the others,
/// last. Each returns naive's result bit for bit. CMake reads this list too (tests/).
using exact_strategies =
    strategy_list<naive, vectorised, kd_tree, hamerly, exponion, yinyang, elkan, automatic>;

}  // namespace km
