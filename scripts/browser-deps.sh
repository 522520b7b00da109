#!/usr/bin/env bash
# What the browser tests (tests/browser.rs) need on a fresh Debian machine: Chromium and its
# chromedriver from Debian, and axe-core (the accessibility checker) from npm into
# ~/.cache/social-jobs/axe. Idempotent: does nothing when all three are present.
set -euo pipefail

if ! [ -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null 2>&1; then
    echo "installing Debian's chromium and chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    sudo_if() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
    sudo_if apt-get update -qq
    sudo_if apt-get install -y -qq chromium chromium-driver >/dev/null
fi

axe_dir="$HOME/.cache/social-jobs/axe"
if ! [ -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "installing Debian's npm"
        export DEBIAN_FRONTEND=noninteractive
        sudo_if() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
        sudo_if apt-get update -qq
        sudo_if apt-get install -y -qq npm >/dev/null
    fi
    echo "installing axe-core into $axe_dir"
    mkdir -p "$axe_dir"
    npm install --silent --no-audit --no-fund --prefix "$axe_dir" axe-core@4
fi
echo "browser test dependencies: $(/usr/bin/chromium --version 2>/dev/null), $(chromedriver --version | head -1), axe-core $(node -p "require('$axe_dir/node_modules/axe-core/package.json').version" 2>/dev/null || echo present)"
