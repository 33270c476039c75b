#!/usr/bin/env bash
# Installs every Debian package lcr builds, tests and runs with (docs/dependencies.md says
# why each is there). Safe to re-run.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
PACKAGES=(
  cmake g++ make pkg-config time zstd xz-utils
  libsdsl-dev libdivsufsort-dev
  libsentencepiece-dev
  libboost-program-options-dev
  libzstd-dev libxxhash-dev nlohmann-json3-dev
  libxapian-dev
  libgtest-dev libbenchmark-dev
)
if [ "${LCR_WITH_TORCH:-ON}" != OFF ]; then
  # Debian's libtorch falls back to the reference BLAS without OpenBLAS (a decode step ran
  # 29x slower here), so OpenBLAS comes with it.
  PACKAGES+=(libtorch-dev libopenblas0-pthread)
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "dependencies present"
