#!/usr/bin/env bash
# The README's first command: molectl's main job, the CP shared-secret migration, against the
# built-in sandbox. A dozen simulated tenants, eight of them provisioned before the cutover; one
# host's docker is broken (it gets rolled back) and one host's SSM agent is offline (left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
export MOLECTL_STATE_DIR="${MOLECTL_STATE_DIR:-$(mktemp -d)}"
export MOLECTL_CONFIG=/nonexistent
molectl() { node bin/molectl.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n$ molectl %s\n' "$1" "${*:2}"; }
trap 'molectl sandbox down >/dev/null 2>&1 || true' EXIT

eval "$(molectl sandbox up --detach --port 0 --tenants 12 --pre-cutover 8 --faults 'docker-fail=gamma,offline=theta')"

step "Is everything reachable?" doctor
molectl doctor

step "Read-only: which tenants lack the secret?" migrate cp-secret plan
molectl migrate cp-secret plan

step "Canary, soak, waves; gamma's docker fails and is rolled back (exit 5 = partial)" --env sandbox migrate cp-secret apply --yes --soak 5s --max-errors 1
molectl --env sandbox migrate cp-secret apply --yes --soak 5s --max-errors 1 || echo "(exit $?)"

step "And now?" migrate cp-secret plan
molectl migrate cp-secret plan

printf '\nLedgers are in %s; try: molectl runs list. The sandbox stops when this script ends.\n' "$MOLECTL_STATE_DIR"
