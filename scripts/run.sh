#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# run.sh [NESTCHECK OPTIONS]: install the build dependencies, build nestcheck
# (release) and check this host with it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DNESTCHECK_TESTS=OFF >/dev/null
cmake --build build-release -j"$(nproc)" >/dev/null
exec build-release/nestcheck "$@"
