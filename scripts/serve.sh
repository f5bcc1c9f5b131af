#!/usr/bin/env bash
# Sets up whatever is missing, then builds and serves the page at http://127.0.0.1:8080/ .
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
echo "Serving Scaling Lab at http://127.0.0.1:${PORT:-8080}/ (Ctrl-C stops)"
exec trunk serve --release --port "${PORT:-8080}"
