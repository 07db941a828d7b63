// With headers_twice.cpp: every public header in two translation units, each included twice, so
// that a missing `inline` or include guard fails to link or compile.
#include <km/blobs.hpp>
#include <km/elkan.hpp>
#include <km/exponion.hpp>
#include <km/hamerly.hpp>
#include <km/invalid_input.hpp>
#include <km/kd_tree.hpp>
#include <km/kmeans.hpp>
#include <km/naive.hpp>
#include <km/options.hpp>
#include <km/result.hpp>
#include <km/strategies.hpp>
#include <km/strategy.hpp>
#include <km/vectorised.hpp>
#include <km/version.hpp>
#include <km/yinyang.hpp>

#include <km/blobs.hpp>
#include <km/kmeans.hpp>

#include <catch2/catch.hpp>

namespace {
int fit_in_first_unit() {
  auto data = km::make_blobs<double>(40, 2, 2, 0.1, 3);
  km::options opts;
  opts.k = 2;
  return km::kmeans<km::naive>(opts).fit(data.points).iterations;
}
}  // namespace

int fit_in_second_unit();

TEST_CASE("headers compose across translation units", "[headers]") {
  CHECK(fit_in_first_unit() == fit_in_second_unit());
}
