// km version. CMakeLists.txt reads the version from these three lines: keep them the only copy.
#pragma once

#define KM_VERSION_MAJOR 0
#define KM_VERSION_MINOR 1
#define KM_VERSION_PATCH 0
