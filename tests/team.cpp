// detail::thread_team: every task runs exactly once, whatever the shares and the thread count, and
// a task's exception reaches the caller without leaving the team in a state that changes the
// next run.
#include <atomic>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include <km/detail/parallel.hpp>

namespace {

using km::detail::thread_team;

/// How often each task of [0, tasks) ran, and whether every slot stayed within the team's.
struct tally {
  explicit tally(Eigen::Index tasks) : runs(static_cast<std::size_t>(tasks)) {}

  std::vector<std::atomic<int>> runs;
  std::atomic<bool> slots_in_range{true};

  auto task(const thread_team& team) {
    return [this, &team](Eigen::Index t, int slot) {
      runs[static_cast<std::size_t>(t)].fetch_add(1);
      if (slot < 0 || slot >= team.size()) slots_in_range = false;
    };
  }
  bool each_once() const {
    for (const std::atomic<int>& count : runs) {
      if (count.load() != 1) return false;
    }
    return true;
  }
};

}  // namespace

TEST_CASE("a run calls every task once, on any thread count and handout", "[team]") {
  for (const int threads : {1, 2, 3, 8}) {
    for (const Eigen::Index tasks : {Eigen::Index{0}, Eigen::Index{1}, Eigen::Index{5},
                                     Eigen::Index{32}, Eigen::Index{1000}}) {
      for (const auto how : {thread_team::handout::shares, thread_team::handout::first_free}) {
        INFO("threads " << threads << ", tasks " << tasks);
        thread_team team(threads);
        tally seen(tasks);
        team.run(tasks, seen.task(team), how);
        REQUIRE(seen.each_once());
        REQUIRE(seen.slots_in_range);
      }
    }
  }
}

TEST_CASE("given shares, empty or uneven, still run every task once", "[team]") {
  const Eigen::Index tasks = 32;
  for (const int threads : {2, 3, 8}) {
    thread_team team(threads);
    const int slots = team.slots(tasks);
    // All in the last share; all in the first; one share of one task, the rest in another.
    std::vector<std::vector<Eigen::Index>> plans;
    std::vector<Eigen::Index> last(static_cast<std::size_t>(slots) + 1, 0);
    last.back() = tasks;
    plans.push_back(last);
    std::vector<Eigen::Index> first(static_cast<std::size_t>(slots) + 1, tasks);
    first.front() = 0;
    plans.push_back(first);
    std::vector<Eigen::Index> uneven(static_cast<std::size_t>(slots) + 1, tasks);
    uneven.front() = 0;
    uneven[1] = 1;
    plans.push_back(uneven);
    for (const std::vector<Eigen::Index>& starts : plans) {
      INFO("threads " << threads << ", second share starts at " << starts[1]);
      tally seen(tasks);
      team.run_shares(tasks, starts, seen.task(team));
      REQUIRE(seen.each_once());
      REQUIRE(seen.slots_in_range);
    }
  }
}

TEST_CASE("a task's exception reaches the caller, and the team runs on", "[team]") {
  const Eigen::Index tasks = 64;
  for (const int threads : {1, 2, 3}) {
    INFO("threads " << threads);
    thread_team team(threads);
    const auto slots = static_cast<std::size_t>(team.slots(tasks));
    {
      // Shares that are gone once the run has thrown: no later run may still read them.
      std::vector<Eigen::Index> starts(slots + 1, tasks);
      starts.front() = 0;
      REQUIRE_THROWS_AS(team.run_shares(tasks, starts,
                                        [](Eigen::Index t, int) {
                                          if (t == 40) throw std::runtime_error("task 40");
                                        }),
                        std::runtime_error);
    }
    tally plain(tasks);
    team.run(tasks, plain.task(team));
    REQUIRE(plain.each_once());
    std::vector<Eigen::Index> starts(slots + 1, tasks);
    starts.front() = 0;
    if (slots > 1) starts[1] = 10;
    tally given(tasks);
    team.run_shares(tasks, starts, given.task(team));
    REQUIRE(given.each_once());
  }
}
