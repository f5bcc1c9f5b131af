#!/usr/bin/env bash
# Sets up whatever is missing, then runs every check: formatting, lints, native tests on a real wgpu
# adapter (lavapipe here), the release build of the page, and the browser tests in headless Chromium.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
set +e
cd "$ROOT"

passed=0
failed=0
failures=()
step() {
    local name="$1"
    shift
    printf '\n\033[1m==> %s\033[0m\n' "$name"
    local start=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        printf '\033[32mok\033[0m   %s (%ds)\n' "$name" $((SECONDS - start))
    else
        failed=$((failed + 1))
        failures+=("$name")
        printf '\033[31mFAIL\033[0m %s (%ds)\n' "$name" $((SECONDS - start))
    fi
}

step "format (cargo fmt --check)" cargo fmt --all --check
step "lints, compute (native)" cargo clippy -p compute --all-targets --locked -- -D warnings
step "lints, app (wasm32)" cargo clippy -p app --target wasm32-unknown-unknown --all-targets --locked -- -D warnings
step "native tests (compute, on a real wgpu adapter)" cargo test -p compute --locked --no-fail-fast
step "app unit tests (native: formatting, settings, charts)" cargo test -p app --lib --locked
step "page release build (trunk)" trunk build --release
step "browser tests (headless Chromium)" node tests/e2e/run.mjs

echo
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "test steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
