#!/usr/bin/env bash
# /usr/local/bin/molecule-auto-update.sh: the tenant auto-updater (cron, every 5 minutes).
# Sandbox model of the real one, whose exact behaviour is unknown (../shared/platform.md): it
# takes the pessimistic case. It pulls the platform image and recreates the container with the
# env of the ORIGINAL user-data, so a change made only to the running container is lost, and it
# knows nothing of any env file a migration writes. A migration that wants to survive it has to
# change what runs here (molectl's migration wraps this script; docs/sandbox.md).
#
# Paths are prefixed with ${MOLECTL_HOST_ROOT:-} so the same script runs on a real host (unset)
# and on a sandbox host (the host's directory).
set -euo pipefail

R="${MOLECTL_HOST_ROOT:-}"
LOG="$R/var/log/molecule-auto-update.log"
USERDATA="$R/var/lib/cloud/instance/user-data.txt"
NAME=molecule-tenant
TAG="${1:-$(cat "$R/etc/molecule/image-tag" 2>/dev/null || echo latest)}"
IMAGE="ghcr.io/molecule-ai/platform-tenant:$TAG"

mkdir -p "${LOG%/*}"
log() { printf '%s molecule-auto-update: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" | tee -a "$LOG"; }

log "pulling $IMAGE"
docker pull "$IMAGE" >/dev/null

mapfile -t ORIGINAL < <(grep -oE -- '-e [A-Za-z_][A-Za-z0-9_]*=[^ \\]*' "$USERDATA" | sed 's/^-e //')
ARGS=()
for kv in "${ORIGINAL[@]}"; do ARGS+=(-e "$kv"); done

docker rm -f "$NAME" >/dev/null 2>&1 || true
docker run -d --name "$NAME" --restart unless-stopped \
  -p 8080:8080 -p 3000:3000 \
  -v /var/lib/molecule:/data \
  --label com.moleculesai.role=tenant \
  --network bridge \
  "${ARGS[@]}" "$IMAGE" >/dev/null
log "recreated $NAME from $IMAGE"
