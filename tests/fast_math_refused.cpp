// Compiled with -ffast-math by the CTest test fast_math_refused, which passes only when the
// compiler stops at km's #error: such a build would silently lose the exactness contract.
#include <km/kmeans.hpp>

int main() {
  return 0;
}
