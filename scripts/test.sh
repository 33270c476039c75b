#!/usr/bin/env bash
# The test command: installs dependencies, builds, runs every test; then builds the tests
# that do not need libtorch with AddressSanitizer + UBSan and runs them too.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=build scripts/build.sh -DLCR_BUILD_TESTS=ON -DLCR_BUILD_BENCH=ON -DLCR_SANITIZERS=OFF
(cd build && ctest --output-on-failure -j 2)
if [ "${LCR_SKIP_SANITIZERS:-0}" != 1 ]; then
  BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DLCR_SANITIZERS=ON -DLCR_WITH_TORCH=OFF -DLCR_BUILD_TESTS=ON \
    -DLCR_BUILD_BENCH=OFF
  (cd build-asan && ctest --output-on-failure -j 2 -LE torch)
fi
