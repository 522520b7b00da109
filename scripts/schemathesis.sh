#!/usr/bin/env bash
# Runs schemathesis (all its default checks) against the served contract, on SQLite and on
# PostgreSQL, as an admin, a seeker, an employer and a provider of the demo data. Exits non-zero
# on any failure.
#
#   scripts/schemathesis.sh                 # both backends, 10 examples per operation
#   ST_EXAMPLES=100 scripts/schemathesis.sh sqlite
#
# Needs Python 3, curl and psql (see README, "Quick start").
#
# Settings (environment):
#   ST_EXAMPLES     examples per operation and phase (default 10; more by hand)
#   ST_SEED         schemathesis's random seed (default: a new one each run, printed)
#   ST_VENV         where schemathesis is installed with pip (default ~/.cache/social-jobs/schemathesis-venv)
#   SOCIAL_JOBS_BIN the service binary (default: `cargo build` and target/debug/social-jobs)
#   PG_URL          PostgreSQL server on which a fresh database is created and dropped
#                   (default postgres://postgres@127.0.0.1:5432)
#
# Each backend gets a fresh database seeded with the demo data. The roles run one after another on
# it, the admin last: an admin may close openings or disable staff, which would leave the others
# less to test. All four sign in before any run: schemathesis sends wrong passwords to
# /auth/login, and the per-address limit on failed sign-ins (429) would then refuse ours; access
# tokens live long enough for the whole run (SJ_ACCESS_TOKEN_TTL_SECS below).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then set -- sqlite postgres; fi
backends=("$@")
examples="${ST_EXAMPLES:-10}"
venv="${ST_VENV:-$HOME/.cache/social-jobs/schemathesis-venv}"
pg_url="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
schemathesis_version="4.32.5"
password="Demo-Almaty-2026"
domain="demo.social-jobs.kz"

if [ ! -x "$venv/bin/st" ] || ! "$venv/bin/st" --version | grep -q "$schemathesis_version"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$schemathesis_version"
fi

if [ -z "${SOCIAL_JOBS_BIN:-}" ]; then
    cargo build --locked -q
    SOCIAL_JOBS_BIN="${CARGO_TARGET_DIR:-target}/debug/social-jobs"
fi

work=$(mktemp -d)
server_pid=""
database=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    if [ -n "$database" ]; then psql -q "$pg_url/postgres" -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

sign_in() {
    curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"email\":\"$1@$domain\",\"password\":\"$password\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

failed=0
for backend in "${backends[@]}"; do
    data="$work/$backend"
    mkdir -p "$data"
    case "$backend" in
        sqlite) url="sqlite://$data/social-jobs.db" ;;
        postgres)
            database="sj_schemathesis_$$"
            psql -q "$pg_url/postgres" -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database" >/dev/null
            url="$pg_url/$database" ;;
        *) echo "unknown backend $backend (sqlite or postgres)" >&2; exit 2 ;;
    esac
    port=$(free_port)
    base="http://127.0.0.1:$port"
    # /metrics is served (to its own token, which schemathesis does not have: it must get 401).
    export DATABASE_URL="$url" SJ_DATA_DIR="$data" SJ_PORT="$port" SJ_LOG_LEVEL=warn \
        SJ_ACCESS_TOKEN_TTL_SECS=7200 SJ_METRICS_TOKEN="schemathesis-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    if ! "$SOCIAL_JOBS_BIN" seed-demo --seekers 40 --openings 40 >"$data/seed.log" 2>&1; then
        tail -20 "$data/seed.log" >&2
        exit 1
    fi
    "$SOCIAL_JOBS_BIN" serve >"$data/serve.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 60); do curl -sf "$base/ready" >/dev/null && break; sleep 1; done
    if ! curl -sf "$base/ready" >/dev/null; then
        tail -20 "$data/serve.log" >&2
        exit 1
    fi
    declare -A tokens=()
    for role in seeker employer provider admin; do
        case "$role" in
            seeker) who=seeker1 ;; employer) who=employer.tazalyq ;;
            provider) who=provider.college ;; admin) who=admin ;;
        esac
        tokens[$role]=$(sign_in "$who")
    done
    for role in seeker employer provider admin; do
        echo "== schemathesis on $backend as $role ($examples examples per operation)"
        args=(--config-file scripts/schemathesis.toml run "$base/openapi.yaml" --max-examples "$examples" --header "Authorization: Bearer ${tokens[$role]}"
              --report junit --report-junit-path "$data/junit-$role.xml")
        if [ -n "${ST_SEED:-}" ]; then args+=(--seed "$ST_SEED"); fi
        if ! "$venv/bin/st" "${args[@]}"; then
            failed=1
            echo "schemathesis found failures on $backend as $role" >&2
        fi
    done
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
    if [ "$backend" = postgres ]; then
        psql -q "$pg_url/postgres" -c "DROP DATABASE IF EXISTS $database" >/dev/null; database=""
    fi
done
exit "$failed"
