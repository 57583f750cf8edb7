#!/usr/bin/env bash
# The main job on embedded defaults. Until the mount lands, this shows what exists: it checks and
# benchmarks the default local object storage (a directory under ~/.nectar) with objbench.
#   scripts/run.sh [objbench options]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
source scripts/lib.sh
nectar_java_home
nectar_apt mvn maven
data="${NECTAR_DATA:-$HOME/.nectar/data}"
mkdir -p "$data"
echo "NectarFS: checking and benchmarking the local object storage at $data" >&2
exec ./nectar objbench "file://$data" "$@"
