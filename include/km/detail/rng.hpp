// Seeded randomness with our own mapping from the engine's raw 64-bit output, so that the same
// seed gives the same draws on every standard library (std::uniform_*_distribution does not).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace km::detail {

/// splitmix64's step: a well-mixed 64-bit value for each (seed, index), e.g. one stream per index.
inline std::uint64_t mix(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + index * 0x9E3779B97F4A7C15U;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9U;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBU;
  return z ^ (z >> 31);
}

/// The seed of run `run` of a fit with options::n_init runs: run 0 keeps the fit's seed, so n_init
/// = 1 is the plain fit; the others are splitmix64 mixes of it, far apart in the engine's space.
inline std::uint64_t run_seed(std::uint64_t seed, int run) {
  return run == 0 ? seed : mix(seed, static_cast<std::uint64_t>(run));
}

/// A uniform double in [0, 1) that depends on (key, index) alone: draws made for many points at
/// once come out the same however the points are split among threads or processes.
inline double hashed_unit(std::uint64_t key, std::uint64_t index) {
  return static_cast<double>(mix(key, index) >> 11) * 0x1.0p-53;
}

class rng {
 public:
  explicit rng(std::uint64_t seed) : engine_(seed) {}

  /// Uniform integer in [0, bound), bound >= 1: rejection of the top partial range, unbiased.
  std::uint64_t index(std::uint64_t bound) {
    const std::uint64_t excess = (std::uint64_t(0) - bound) % bound;  // 2^64 mod bound
    const std::uint64_t limit = std::uint64_t(0) - excess;  // a multiple of bound (mod 2^64)
    for (;;) {
      const std::uint64_t draw = engine_();
      if (excess == 0 || draw < limit) return draw % bound;
    }
  }

  /// 64 random bits.
  std::uint64_t bits() { return engine_(); }

  /// Uniform double in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  /// Standard normal deviate (Box-Muller, one of the pair discarded to keep the state simple).
  /// std::log and std::cos make these reproducible per platform, not across platforms; only
  /// data generators use them, never the clustering itself.
  double normal() {
    const double two_pi = 6.283185307179586476925286766559;
    const double u1 = 1.0 - unit();  // (0, 1]: log stays finite
    const double u2 = unit();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace km::detail
