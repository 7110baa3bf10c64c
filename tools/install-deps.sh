#!/usr/bin/env bash
# Installs every Debian 12 package fgcc needs to build, test and train.
# Idempotent: apt-get skips what is already installed. Run as root (or with sudo).
set -euo pipefail

packages=(
  # build
  cmake ninja-build clang-14 g++ python3 pkg-config
  # compiler front end
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  # component scanner (Clang LibTooling)
  libclang-14-dev libclang-cpp14-dev llvm-14-dev
  # tests: lit, FileCheck, not, split-file; GoogleTest; libFuzzer runtime
  llvm-14-tools libgtest-dev libclang-rt-14-dev
  # differential oracle for the template front end (Jinja2 3.1.2, PyYAML 6.0)
  python3-jinja2 python3-yaml
  # PyTorch reference implementations for the numerics tests
  python3-torch python3-numpy
  # training runtime
  libtorch-dev libgloo-dev libopenblas0-pthread
  # tokenizer pre-tokenizer regex (Unicode classes)
  libpcre2-dev
  # tokenizer NFC normalizer (Unicode normalization tables)
  libutf8proc-dev
  # `fgcc plot`: loss curves drawn to PNG/SVG (no X11)
  gnuplot-nox
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
