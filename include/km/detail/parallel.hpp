// The threads of one fit: plain std::thread (no OpenMP flag asked of users), started when first
// needed and kept for the fit's passes. Work comes in numbered tasks; results never depend on which
// thread ran which task, because every task writes its own outputs and per-thread partials are
// only ever combined exactly (integer counts, maxima, grid sums of exact_sum.hpp).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <Eigen/Core>

#include "profile.hpp"

namespace km::detail {

/// options::threads resolved: 0 means every hardware thread.
inline int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? static_cast<int>(hardware) : 1;
}

class thread_team {
 public:
  /// `threads` as in options::threads. No thread starts before run() has tasks for it.
  explicit thread_team(int threads)
      : size_(resolve_threads(threads)), shares_(static_cast<std::size_t>(size_)) {}

  thread_team(const thread_team&) = delete;
  thread_team& operator=(const thread_team&) = delete;

  ~thread_team() {
    const profile::scope timing(profile::phase::stop);
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_)
      worker.join();
  }

  /// The most threads a run() uses, the caller's included.
  int size() const noexcept { return size_; }

  /// The threads a run() of `tasks` tasks uses, and so the slots it hands out: never more than
  /// there are tasks.
  int slots(Eigen::Index tasks) const noexcept {
    return static_cast<int>(std::max<Eigen::Index>(1, std::min<Eigen::Index>(size_, tasks)));
  }

  /// The first task of slot s's share of a run of `tasks` tasks on `slots` slots
  /// (handout::shares): the same in every such run.
  static Eigen::Index share_start(Eigen::Index tasks, int s, int slots) noexcept {
    return tasks * s / slots;
  }

  /// How run() hands out its tasks.
  enum class handout {
    /// Each slot takes its own contiguous share of the tasks first, the same share in every run
    /// of as many tasks, then what is left of the others' shares. For work repeated pass after
    /// pass on the same data: each thread finds its share's data still in its core's cache.
    shares,
    /// In task order, each to whichever slot is free first: for tasks of unequal size run once,
    /// which balance best given largest first.
    first_free,
  };

  /// Calls task(t, slot) once for every t in [0, tasks), on slots(tasks) threads (the caller is
  /// slot 0), and returns when all are done. `slot` names the thread for per-thread scratch; which
  /// slot runs which task varies from run to run. The first exception a task throws is rethrown.
  template <typename Task>
  void run(Eigen::Index tasks, Task&& task, handout how = handout::shares) {
    dispatch(tasks, task, how, nullptr);
  }

  /// As run() with handout::shares, but slot s's share is tasks [starts[s], starts[s + 1]):
  /// `starts` holds slots(tasks) + 1 ascending entries from 0 to `tasks` (under 2^31). For
  /// passes whose tasks' costs are known from the pass before: shares of equal cost leave the
  /// slots little to take over from each other.
  template <typename Task>
  void run_shares(Eigen::Index tasks, const std::vector<Eigen::Index>& starts, Task&& task) {
    dispatch(tasks, task, handout::shares, starts.data());
  }

 private:
  /// run() and run_shares(): the caller alone when there is one slot, else in batches.
  template <typename Task>
  void dispatch(Eigen::Index tasks, Task& task, handout how, const Eigen::Index* starts) {
    const int helpers = slots(tasks) - 1;
    // profile:: times the runs for bench/km_profile; by default it compiles to nothing.
    if (helpers == 0) {
      const profile::team_run timing(size_, 1);
      const profile::slot_busy busy(0);
      for (Eigen::Index t = 0; t < tasks; ++t)
        task(t, 0);
      return;
    }
    const std::function<void(Eigen::Index, int)> job = [&task](Eigen::Index t, int slot) {
      task(t, slot);
    };
    // A share packs its bounds in 32 bits each: more tasks than that run in batches (given
    // shares come in fewer).
    constexpr Eigen::Index batch = 0x7fffffff;
    for (Eigen::Index first = 0; first < tasks; first += batch)
      run_batch(first, std::min(batch, tasks - first), job, how, starts, helpers);
  }

  /// The tasks [first, first + count) on `helpers` threads besides the caller; `starts` as
  /// run_shares() takes it, or null for equal shares.
  void run_batch(Eigen::Index first, Eigen::Index count,
                 const std::function<void(Eigen::Index, int)>& job, handout how,
                 const Eigen::Index* starts, int helpers) {
    const profile::team_run timing(size_, helpers + 1);
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      while (static_cast<int>(workers_.size()) < helpers) {
        const int slot = static_cast<int>(workers_.size()) + 1;
        workers_.emplace_back([this, slot] { work(slot); });
      }
      job_ = &job;
      first_ = first;
      tasks_ = count;
      how_ = how;
      starts_ = starts;
      participants_ = helpers + 1;
      for (int s = 0; s < participants_; ++s)
        shares_[static_cast<std::size_t>(s)].set(share_begin(s), share_begin(s + 1));
      busy_.store(helpers);
      error_ = nullptr;
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    drain(0);
    // The helpers are finishing their last tasks: wait for them without sleeping first.
    spin_while([this] { return busy_.load() != 0; });
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return busy_.load() == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

  void work(int slot) {
    std::uint64_t seen = 0;
    for (;;) {
      // A fit runs passes back to back: the next run usually comes within microseconds, far
      // sooner than a sleeping thread wakes up. So look for it a while before sleeping.
      spin_while([&] { return generation_.load() == seen && !stopping_.load(); });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] {
          return stopping_ || (generation_.load() != seen && slot < participants_);
        });
        if (stopping_) return;
        seen = generation_.load();
      }
      drain(slot);
      if (busy_.fetch_sub(1) == 1) {
        const std::lock_guard<std::mutex> lock(mutex_);  // the caller may be about to sleep
        done_.notify_one();
      }
    }
  }

  /// Yields while `waiting()` holds, for at most about 50 microseconds.
  template <typename Condition>
  static void spin_while(Condition waiting) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    while (waiting()) {
      for (int i = 0; i < 16 && waiting(); ++i)
        std::this_thread::yield();
      if (std::chrono::steady_clock::now() > until) return;
    }
  }

  /// The first task of slot s's share (handout::first_free: all of them are slot 0's, which
  /// every slot takes from).
  Eigen::Index share_begin(int s) const {
    if (how_ == handout::first_free) return s == 0 ? 0 : tasks_;
    if (starts_ != nullptr) return starts_[s];
    return share_start(tasks_, s, participants_);
  }

  /// Runs the tasks of the slot's own share from the front, then those left in the others', in
  /// turn, so that no thread idles while tasks wait. With handout::shares the others' are taken
  /// from the back: where an owner and a helper meet in its share moves little from one pass to
  /// the next, so each task keeps running on the same thread; taken from the front, a helper and
  /// the owner alternated over the whole of a share whose work had been left to it.
  void drain(int slot) {
    const profile::slot_busy busy(slot);
    for (int turn = 0; turn < participants_; ++turn) {
      const int owner = (slot + turn) % participants_;
      const bool from_back = turn > 0 && how_ == handout::shares;
      share& tasks = shares_[static_cast<std::size_t>(owner)];
      for (Eigen::Index t = tasks.take(from_back); t >= 0; t = tasks.take(from_back)) {
        try {
          (*job_)(first_ + t, slot);
        } catch (...) {
          const std::lock_guard<std::mutex> lock(mutex_);
          if (!error_) error_ = std::current_exception();
          for (share& other : shares_)  // the others stop taking tasks
            other.set(0, 0);
        }
      }
    }
  }

  const int size_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> workers_;
  const std::function<void(Eigen::Index, int)>* job_ = nullptr;
  Eigen::Index first_ = 0;  // of the current batch
  Eigen::Index tasks_ = 0;  // in it
  handout how_ = handout::shares;
  const Eigen::Index* starts_ = nullptr;  // of the shares run_shares() was given, or null
  /// The tasks left of one slot's share, [front, back), packed in one word so that its owner
  /// and a helper can take them from either end. A cache line each: the slots take tasks without
  /// contending.
  struct alignas(64) share {
    std::atomic<std::uint64_t> left{0};

    void set(Eigen::Index front, Eigen::Index back) {
      left.store(static_cast<std::uint64_t>(back) << 32 | static_cast<std::uint64_t>(front));
    }
    /// The task taken, or -1 when none is left.
    Eigen::Index take(bool from_back) {
      std::uint64_t seen = left.load();
      for (;;) {
        const std::uint64_t front = seen & 0xffffffffU, back = seen >> 32;
        if (front >= back) return -1;
        const std::uint64_t rest = from_back ? (back - 1) << 32 | front : back << 32 | (front + 1);
        if (left.compare_exchange_weak(seen, rest))
          return static_cast<Eigen::Index>(from_back ? back - 1 : front);
      }
    }
  };
  std::vector<share> shares_;  // per slot
  int participants_ = 0;       // slots taking part in the current run
  std::atomic<int> busy_{0};   // helpers not yet done with it
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  std::exception_ptr error_;
};

/// Splits [0, n) into tasks of `grain` items (the last one shorter); run(count(), ...) with
/// range(t) gives each task its items.
struct chunks {
  Eigen::Index n;
  Eigen::Index grain;

  Eigen::Index count() const { return (n + grain - 1) / grain; }
  Eigen::Index begin(Eigen::Index t) const { return t * grain; }
  Eigen::Index end(Eigen::Index t) const { return std::min(n, (t + 1) * grain); }
};

/// One counter per thread slot, each on its own cache line so that threads do not contend.
class slot_counters {
 public:
  explicit slot_counters(int slots = 1) : counts_(static_cast<std::size_t>(slots)) {}

  void resize(int slots) {
    counts_.resize(std::max(counts_.size(), static_cast<std::size_t>(slots)));
  }
  std::uint64_t& operator[](int slot) { return counts_[static_cast<std::size_t>(slot)].value; }

  std::uint64_t total() const {
    std::uint64_t sum = 0;
    for (const padded& count : counts_)
      sum += count.value;
    return sum;
  }

 private:
  struct alignas(64) padded {
    std::uint64_t value = 0;
  };
  std::vector<padded> counts_;
};

/// Runs body(begin, end, slot) over the tasks of `work` on the team and returns the sum of what
/// the calls return (for instance, how many labels they changed).
template <typename Body>
Eigen::Index sum_over_chunks(thread_team& team, const chunks& work, Body&& body) {
  slot_counters sums(team.slots(work.count()));
  team.run(work.count(), [&](Eigen::Index t, int slot) {
    sums[slot] += static_cast<std::uint64_t>(body(work.begin(t), work.end(t), slot));
  });
  return static_cast<Eigen::Index>(sums.total());
}

}  // namespace km::detail
