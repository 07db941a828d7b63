// A stand-in for libFuzzer's driver, so that every fuzz target also builds with any compiler as a
// plain program: it calls LLVMFuzzerTestOneInput once per input file and returns 0 when none of
// them aborted. CTest runs it over the committed seed corpus and the regression inputs.
//
//   fuzz_fit_replay tests/fuzz/corpus/fuzz_fit tests/fuzz/regressions/fuzz_fit crash-1234
//
// Arguments are files or directories (read recursively, in sorted order so that a failure names
// the same input on every run). Finding no input at all is an error: it means a wrong path, not a
// pass.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& argument) {
  if (!std::filesystem::is_directory(argument)) return {argument};
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(argument)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
    return 2;
  }
  std::size_t count = 0;
  for (int a = 1; a < argc; ++a) {
    if (!std::filesystem::exists(argv[a])) {
      std::fprintf(stderr, "%s: no such file or directory\n", argv[a]);
      return 2;
    }
    for (const std::filesystem::path& file : inputs_of(argv[a])) {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "%s: cannot open\n", file.c_str());
        return 2;
      }
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      // Named before the call: if the input aborts, the last line printed is the culprit.
      std::printf("%s (%zu bytes)\n", file.c_str(), bytes.size());
      std::fflush(stdout);
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++count;
    }
  }
  if (count == 0) {
    std::fprintf(stderr, "no input files found\n");
    return 2;
  }
  std::printf("%zu inputs, all passed\n", count);
  return 0;
}
