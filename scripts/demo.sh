#!/usr/bin/env bash
# The README's first command: molectl's main job, the CP shared-secret migration, against the
# built-in sandbox. A dozen simulated tenants, eight of them provisioned before the cutover; one
# host's docker is broken (it gets rolled back) and one host's SSM agent is offline (left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
export MOLECTL_STATE_DIR="${MOLECTL_STATE_DIR:-$(mktemp -d)}"
# A config path that is certainly absent (inside the demo's own fresh state directory): the
# demo must not depend on what this machine has at any fixed path.
export MOLECTL_CONFIG="$MOLECTL_STATE_DIR/no-config-file.json"
molectl() { node bin/molectl.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n$ molectl %s\n' "$1" "${*:2}"; }
trap 'molectl sandbox down >/dev/null 2>&1 || true' EXIT

eval "$(molectl sandbox up --detach --port 0 --tenants 12 --pre-cutover 8 --faults 'docker-fail=gamma,offline=theta')"

step "Is everything reachable?" doctor
molectl doctor

step "Read-only: which tenants lack the secret? (theta's agent is offline: exit 5, it cannot be judged)" migrate cp-secret plan
molectl migrate cp-secret plan || echo "(exit $?)"

step "Canary, soak, waves; gamma's docker fails and is rolled back (exit 5 = partial)" --env sandbox migrate cp-secret apply --yes --soak 5s --max-errors 1
molectl --env sandbox migrate cp-secret apply --yes --soak 5s --max-errors 1 || echo "(exit $?)"

step "And now? (theta is still offline: exit 5)" migrate cp-secret plan
molectl migrate cp-secret plan || echo "(exit $?)"

# The sandbox stops with this script; the ledgers stay, and this line works after it ends.
printf '\nThe ledgers stay in %s; look at them with:\n  MOLECTL_STATE_DIR=%q node bin/molectl.js runs list\n' "$MOLECTL_STATE_DIR" "$MOLECTL_STATE_DIR"
