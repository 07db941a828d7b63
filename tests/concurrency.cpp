// Fits running at the same time on several std::threads, on the same read-only data and on the
// same or different km::kmeans objects (some with threads of their own), return the bits of the
// same fits run one at a time; bad input is reported alike.
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "data.hpp"

using namespace km_tests;

TEMPLATE_TEST_CASE("concurrent fits give the results of fits run one at a time", "[concurrency]",
                   float, double) {
  const matrix<TestType> low = blobs<TestType>(20000, 3, 10, 1.0, 41);
  const matrix<TestType> wide = blobs<TestType>(3000, 40, 8, 1.5, 42);
  const matrix<TestType> initial = low.bottomRows(10);
  matrix<TestType> bad = low;
  bad(17, 1) = std::numeric_limits<TestType>::quiet_NaN();

  km::options opts;
  opts.k = 10;
  opts.seed = 5;
  km::options two_threads = opts;
  two_threads.threads = 2;
  km::options random_init = two_threads;
  random_init.init = km::init_method::random;
  // Models that several threads use at once.
  const km::kmeans<km::kd_tree> shared(opts);
  const km::kmeans<> shared_automatic(two_threads);

  const std::vector<std::function<km::result<TestType>()>> jobs = {
      [&] { return shared.fit(low); },
      [&] { return shared.fit(low, initial); },
      [&] { return shared_automatic.fit(low); },
      [&] { return shared_automatic.fit(wide); },
      [&] { return km::kmeans<km::naive>(opts).fit(low); },
      [&] { return km::kmeans<km::vectorised>(two_threads).fit(wide); },
      [&] { return km::kmeans<km::hamerly>(opts).fit(wide); },
      [&] { return km::kmeans<km::elkan>(random_init).fit(wide); },
      [&] { return km::kmeans<km::kd_tree>(two_threads).fit(low, initial); },
      [&] { return km::kmeans<km::hamerly>(random_init).fit(low); },
  };
  std::vector<km::result<TestType>> expected;
  for (const auto& job : jobs)
    expected.push_back(job());

  // Each thread runs every job, starting at a different one, so that every job overlaps others;
  // between jobs it also fits the bad data with a shared model. Catch2's assertions are not
  // thread-safe: the threads only record, the checks run afterwards.
  constexpr int thread_count = 4;
  const std::size_t job_count = jobs.size();
  std::vector<std::vector<km::result<TestType>>> results(thread_count);
  std::vector<std::vector<std::string>> refusals(thread_count);
  std::vector<std::exception_ptr> failures(thread_count);
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      const std::size_t slot = static_cast<std::size_t>(t);
      try {
        results[slot].resize(job_count);
        for (std::size_t m = 0; m < job_count; ++m) {
          const std::size_t j = (slot * 3 + m) % job_count;
          results[slot][j] = jobs[j]();
          try {
            shared.fit(bad);
          } catch (const km::invalid_input& refused) {
            refusals[slot].push_back(refused.what());
          }
        }
      } catch (...) {
        failures[slot] = std::current_exception();
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();

  for (std::size_t t = 0; t < thread_count; ++t) {
    INFO("thread " << t);
    if (failures[t]) std::rethrow_exception(failures[t]);
    REQUIRE(refusals[t].size() == job_count);
    for (const std::string& message : refusals[t])
      REQUIRE_THAT(message, Catch::Matchers::Contains("points: row 17, column 1 is nan"));
    for (std::size_t j = 0; j < job_count; ++j) {
      INFO("job " << j);
      const km::result<TestType>& actual = results[t][j];
      REQUIRE(actual.iterations == expected[j].iterations);
      REQUIRE(actual.converged == expected[j].converged);
      REQUIRE((actual.labels.array() == expected[j].labels.array()).all());
      REQUIRE(std::memcmp(actual.centers.data(), expected[j].centers.data(),
                          sizeof(TestType) * static_cast<std::size_t>(actual.centers.size())) == 0);
      REQUIRE(same_bits(actual.inertia, expected[j].inertia));
    }
  }
}
