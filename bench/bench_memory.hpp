// Peak heap memory for km_bench: how many bytes a piece of code (a fit) holds at its worst.
//
//   const auto before = km_bench::memory::begin_peak();   // live bytes now; peak := live
//   ... fit ...
//   const std::int64_t extra = km_bench::memory::peak() - before;
//
// How: this header REPLACES the program's allocation functions. Every global operator new and
// delete (all sizes, alignments and nothrow forms) goes to malloc / posix_memalign / free below,
// and malloc, free, calloc, realloc, reallocarray, aligned_alloc, posix_memalign, memalign, valloc
// and pvalloc themselves are defined here and forward to glibc's own allocator through its
// exported __libc_malloc, __libc_free, ... entry points. Defining malloc in the executable
// interposes it for every shared library too (libstdc++, Eigen's std::malloc calls, the benchmark
// library), so each heap byte is seen exactly once. Sizes are counted as malloc_usable_size() of
// the block, both when it is allocated and when it is freed, so the books balance exactly without
// a size header. The two counters are relaxed atomics: cheap, and correct from any thread.
//
// Limits: glibc only (it relies on __libc_malloc and friends, which glibc exports for exactly this
// purpose), so everything below is compiled only when __GLIBC__ is defined and no sanitizer that
// brings its own allocator is active; elsewhere memory::available() is false and km_bench omits
// its peak_MiB counter. Define KM_BENCH_NO_MEMORY_TRACKING to switch it off. Memory obtained with
// mmap directly (not through malloc) is not seen; km and Eigen never do that.
//
// This header defines non-inline functions with external linkage (the allocator replacements must
// be ordinary definitions): include it in exactly ONE translation unit of a program.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>  // also brings in <features.h>, which defines __GLIBC__
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define KM_BENCH_NO_MEMORY_TRACKING
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define KM_BENCH_NO_MEMORY_TRACKING
#endif
#endif

#if defined(__GLIBC__) && !defined(KM_BENCH_NO_MEMORY_TRACKING)
#define KM_BENCH_MEMORY_TRACKING 1
#else
#define KM_BENCH_MEMORY_TRACKING 0
#endif

namespace km_bench::memory {

namespace detail {
// Constant-initialised (no constructor runs), so they are valid for allocations made before main
// and before any other static initialiser.
inline std::atomic<std::int64_t> live_bytes{0};
inline std::atomic<std::int64_t> peak_bytes{0};

inline void raise_peak(std::int64_t now) noexcept {
  std::int64_t seen = peak_bytes.load(std::memory_order_relaxed);
  while (now > seen && !peak_bytes.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
  }
}
}  // namespace detail

/// True when the allocation functions are replaced and the counters mean something.
constexpr bool available() noexcept {
  return KM_BENCH_MEMORY_TRACKING != 0;
}

/// Heap bytes held now (usable sizes of the live blocks).
inline std::int64_t live() noexcept {
  return detail::live_bytes.load(std::memory_order_relaxed);
}

/// Highest live() since the last begin_peak().
inline std::int64_t peak() noexcept {
  return detail::peak_bytes.load(std::memory_order_relaxed);
}

/// Starts a new peak measurement: the peak drops to what is live now, which it returns.
inline std::int64_t begin_peak() noexcept {
  const std::int64_t now = live();
  detail::peak_bytes.store(now, std::memory_order_relaxed);
  return now;
}

}  // namespace km_bench::memory

#if KM_BENCH_MEMORY_TRACKING

#include <malloc.h>  // malloc_usable_size, memalign, valloc, pvalloc
#include <cerrno>

// glibc's own allocator, exported under these names so that a replacement malloc can forward.
// NOLINTBEGIN(bugprone-reserved-identifier): glibc's names, not ours
extern "C" {
void* __libc_malloc(std::size_t size) noexcept;
void __libc_free(void* block) noexcept;
void* __libc_calloc(std::size_t count, std::size_t size) noexcept;
void* __libc_realloc(void* block, std::size_t size) noexcept;
void* __libc_memalign(std::size_t alignment, std::size_t size) noexcept;
void* __libc_valloc(std::size_t size) noexcept;
void* __libc_pvalloc(std::size_t size) noexcept;
}
// NOLINTEND(bugprone-reserved-identifier)

namespace km_bench::memory::detail {

inline void* counted(void* block) noexcept {
  if (block != nullptr) {
    const auto bytes = static_cast<std::int64_t>(malloc_usable_size(block));
    raise_peak(live_bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes);
  }
  return block;
}

inline void uncount(void* block) noexcept {
  if (block != nullptr) {
    live_bytes.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(block)),
                         std::memory_order_relaxed);
  }
}

inline bool power_of_two(std::size_t value) noexcept {
  return value != 0 && (value & (value - 1)) == 0;
}

/// operator new's contract: never null; call the new-handler and retry, or throw bad_alloc.
inline void* new_block(std::size_t size, std::size_t alignment) {
  if (size == 0) size = 1;
  for (;;) {
    void* block = nullptr;
    if (alignment <= alignof(std::max_align_t)) {
      block = std::malloc(size);  // the replacement below: counted there
    } else if (posix_memalign(&block, alignment, size) != 0) {
      block = nullptr;
    }
    if (block != nullptr) return block;
    const std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

inline void* new_block_nothrow(std::size_t size, std::size_t alignment) noexcept {
  try {
    return new_block(size, alignment);
  } catch (...) {
    return nullptr;
  }
}

}  // namespace km_bench::memory::detail

// glibc declares these with reserved parameter names (__size), which ours cannot take.
// NOLINTBEGIN(readability-inconsistent-declaration-parameter-name)
extern "C" {

void* malloc(std::size_t size) noexcept {
  return km_bench::memory::detail::counted(__libc_malloc(size));
}

void free(void* block) noexcept {
  km_bench::memory::detail::uncount(block);
  __libc_free(block);
}

void* calloc(std::size_t count, std::size_t size) noexcept {
  return km_bench::memory::detail::counted(__libc_calloc(count, size));
}

void* realloc(void* block, std::size_t size) noexcept {
  using namespace km_bench::memory::detail;
  if (block == nullptr) return counted(__libc_realloc(nullptr, size));
  const auto old_bytes = static_cast<std::int64_t>(malloc_usable_size(block));
  void* moved = __libc_realloc(block, size);
  // Null with size > 0: it failed and the old block lives on. Null with size 0: glibc freed it.
  if (moved == nullptr && size != 0) return nullptr;
  live_bytes.fetch_sub(old_bytes, std::memory_order_relaxed);
  return counted(moved);
}

void* reallocarray(void* block, std::size_t count, std::size_t size) noexcept {
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(block, bytes);
}

void* memalign(std::size_t alignment, std::size_t size) noexcept {
  return km_bench::memory::detail::counted(__libc_memalign(alignment, size));
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  return km_bench::memory::detail::counted(__libc_memalign(alignment, size));
}

int posix_memalign(void** result, std::size_t alignment, std::size_t size) noexcept {
  using namespace km_bench::memory::detail;
  if (!power_of_two(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
  void* block = counted(__libc_memalign(alignment, size));
  if (block == nullptr) return ENOMEM;
  *result = block;
  return 0;
}

void* valloc(std::size_t size) noexcept {
  return km_bench::memory::detail::counted(__libc_valloc(size));
}

void* pvalloc(std::size_t size) noexcept {
  return km_bench::memory::detail::counted(__libc_pvalloc(size));
}

}  // extern "C"
// NOLINTEND(readability-inconsistent-declaration-parameter-name)

// Replacement global operator new and delete ([replacement.functions]); they must not be inline.
void* operator new(std::size_t size) {
  return km_bench::memory::detail::new_block(size, 0);
}
void* operator new[](std::size_t size) {
  return km_bench::memory::detail::new_block(size, 0);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return km_bench::memory::detail::new_block_nothrow(size, 0);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return km_bench::memory::detail::new_block_nothrow(size, 0);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return km_bench::memory::detail::new_block(size, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return km_bench::memory::detail::new_block(size, static_cast<std::size_t>(alignment));
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return km_bench::memory::detail::new_block_nothrow(size, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return km_bench::memory::detail::new_block_nothrow(size, static_cast<std::size_t>(alignment));
}

void operator delete(void* block) noexcept {
  std::free(block);
}
void operator delete[](void* block) noexcept {
  std::free(block);
}
void operator delete(void* block, std::size_t) noexcept {
  std::free(block);
}
void operator delete[](void* block, std::size_t) noexcept {
  std::free(block);
}
void operator delete(void* block, const std::nothrow_t&) noexcept {
  std::free(block);
}
void operator delete[](void* block, const std::nothrow_t&) noexcept {
  std::free(block);
}
void operator delete(void* block, std::align_val_t) noexcept {
  std::free(block);
}
void operator delete[](void* block, std::align_val_t) noexcept {
  std::free(block);
}
void operator delete(void* block, std::size_t, std::align_val_t) noexcept {
  std::free(block);
}
void operator delete[](void* block, std::size_t, std::align_val_t) noexcept {
  std::free(block);
}
void operator delete(void* block, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(block);
}
void operator delete[](void* block, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(block);
}

#endif  // KM_BENCH_MEMORY_TRACKING
