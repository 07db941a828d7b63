# Cross-compiling for 64-bit Arm Linux with Debian's g++-aarch64-linux-gnu, e.g.
#   cmake -S . -B build-arm --toolchain cmake/aarch64-linux-gnu.cmake
# CTest runs the programs under qemu-user (Debian: qemu-user), with the target's C and C++
# libraries from the cross toolchain's directory. Eigen, header-only, comes from the host.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
