# shellcheck shell=bash
# Sourced by the docker shim (shims/docker) on the first call that changes a container: run,
# stop, start, rm, rename and pull, and the container state and docker-inspect JSON writers.
# The JSON of values that need escaping is built by docker-json.sh, sourced when needed (a
# migration's containers never need it: bash parses ~50 us a KB, and these are sourced on every
# host). Definitions only, all named _dk_*, as in the shim itself.

# _dk_now_iso -> REPLY: UTC time with nanoseconds, as docker prints it.
_dk_now_iso() {
  local frac="${EPOCHREALTIME#*.}"
  TZ=UTC0 printf -v REPLY '%(%Y-%m-%dT%H:%M:%S)T' -1
  REPLY+=".${frac}000Z"
}

# _dk_random_hex N -> REPLY: N*8 hex digits.
_dk_random_hex() {
  local i part
  REPLY=''
  for ((i = 0; i < $1; i++)); do
    if [ -n "${SRANDOM:-}" ]; then part=$SRANDOM; else part=$(((RANDOM << 17) ^ (RANDOM << 2) ^ RANDOM)); fi
    printf -v part '%08x' $((part & 0xffffffff))
    REPLY+="$part"
  done
}

# _dk_image_digest IMAGE -> REPLY: a stable 64-hex id per image name (FNV-1a, four lanes).
# The characters' codes are taken in one printf and the four lanes hashed in one pass: a printf
# and four arithmetic commands per character cost ~2 ms a `docker run`.
_dk_image_digest() {
  local s="$1" i c ords='' h1 h2 h3 h4 chars=()
  for ((i = 0; i < ${#s}; i++)); do chars[i]="'${s:i:1}"; done
  [ "${#chars[@]}" -eq 0 ] || printf -v ords '%d ' "${chars[@]}"
  ((h1 = 0xcbf29ce484222325 ^ 1, h2 = 0xcbf29ce484222325 ^ 2, h3 = 0xcbf29ce484222325 ^ 3, h4 = 0xcbf29ce484222325 ^ 4))
  for c in $ords; do
    ((h1 = (h1 ^ c) * 0x100000001b3, h2 = (h2 ^ c) * 0x100000001b3, h3 = (h3 ^ c) * 0x100000001b3, h4 = (h4 ^ c) * 0x100000001b3))
  done
  printf -v REPLY '%016x%016x%016x%016x' "$h1" "$h2" "$h3" "$h4"
}

# _dk_image_id IMAGE -> REPLY: the id of the local image IMAGE. Docker gives every container the
# id of the image it was made from, so a container made from IMAGE already holds it (the sandbox's
# first containers carry the sha256 of the name, initial-container.ts); else a stable digest of
# the name. Loading a container costs ~0.07 ms, the digest ~1 ms. Leaves the S_* variables of the
# last container loaded: _dk_cmd_run, its caller, sets every one of them afterwards.
_dk_image_id() {
  local f name
  for f in "$C"/*.state; do
    [ -e "$f" ] || continue
    name="${f##*/}"
    _dk_load_container "${name%.state}"
    if [ "$S_IMAGE" = "$1" ] && [[ "$S_IMAGE_ID" == sha256:?* ]]; then REPLY="$S_IMAGE_ID"; return; fi
  done
  _dk_image_digest "$1"
  REPLY="sha256:$REPLY"
}

# _dk_load_container NAME: sets the S_* variables from <name>.state.
_dk_load_container() {
  S_CMD=() S_BINDS=() S_PORTS=() S_LABELS=() S_ENV=() S_HOSTX='' S_CONFIGX='' S_NETX='' S_MOUNTX=''
  . "$C/$1.state"
}


# _dk_save_container [state]: writes <S_NAME>.state, .json and the sidecars from the S_* variables.
# With `state` (a start or stop of a saved container: only the State fields changed), the .id and
# .ports sidecars, whose contents would be the same bytes, are left as they are: each rewrite of
# a file costs ~0.15 ms (ext4 starts its write-back when a truncated file is closed).
_dk_save_container() {
  local name="$S_NAME" cmd='' binds='' ports='' labels='' env=''
  # Each array as one sourceable assignment, `NAME=( 'a' 'b' )`, quoted by one printf -v apiece.
  [ "${#S_CMD[@]}" -eq 0 ] || printf -v cmd ' %q' "${S_CMD[@]}"
  [ "${#S_BINDS[@]}" -eq 0 ] || printf -v binds ' %q' "${S_BINDS[@]}"
  [ "${#S_PORTS[@]}" -eq 0 ] || printf -v ports ' %q' "${S_PORTS[@]}"
  [ "${#S_LABELS[@]}" -eq 0 ] || printf -v labels ' %q' "${S_LABELS[@]}"
  [ "${#S_ENV[@]}" -eq 0 ] || printf -v env ' %q' "${S_ENV[@]}"
  printf 'S_NAME=%q S_ID=%q S_CREATED=%q S_IMAGE=%q S_IMAGE_ID=%q\nS_STATUS=%q S_PID=%q S_EXIT=%q S_ERROR=%q S_STARTED=%q S_FINISHED=%q\nS_RESTART=%q S_RESTART_MAX=%q S_NETWORK=%q S_HOSTNAME=%q\nS_CMD=(%s )\nS_BINDS=(%s )\nS_PORTS=(%s )\nS_LABELS=(%s )\nS_ENV=(%s )\n' \
    "$S_NAME" "$S_ID" "$S_CREATED" "$S_IMAGE" "$S_IMAGE_ID" "$S_STATUS" "$S_PID" "$S_EXIT" "$S_ERROR" "$S_STARTED" "$S_FINISHED" \
    "$S_RESTART" "$S_RESTART_MAX" "$S_NETWORK" "$S_HOSTNAME" "$cmd" "$binds" "$ports" "$labels" "$env" >"$C/$name.state"
  # The settings few containers have, as the JSON members they add (see _dk_run_extras).
  [ -z "$S_HOSTX$S_CONFIGX$S_NETX${S_MOUNTX:-}" ] || printf 'S_HOSTX=%q S_CONFIGX=%q S_NETX=%q S_MOUNTX=%q\n' "$S_HOSTX" "$S_CONFIGX" "$S_NETX" "${S_MOUNTX:-}" >>"$C/$name.state"
  _dk_render_json
  # Written in place: a rename would cost a process start per docker call. Readers (the
  # sandbox's TypeScript, tenant-container.ts) retry a read that does not parse.
  printf '%s\n' "$REPLY" >"$C/$name.json"
  printf '%s\n' "$S_STATUS" >"$C/$name.status"
  [ "${1:-}" != state ] || return 0
  printf '%s\n' "$S_ID" >"$C/$name.id"
  local p sep=''
  ports=''
  for p in "${S_PORTS[@]+"${S_PORTS[@]}"}"; do ports+="$sep${p%% *}"; sep=' '; done
  printf '%s\n' "$ports" >"$C/$name.ports"
}

_dk_remove_container_files() { rm -f "$C/$1.state" "$C/$1.json" "$C/$1.id" "$C/$1.status" "$C/$1.ports"; }

# _dk_render_json -> REPLY: the docker-inspect object (same shape as the TypeScript side writes).
# Most containers hold no character that JSON escapes: then every string is its value in quotes,
# and the object is built by a few printf, not by ~40 calls of _dk_json_q (~1.2 ms a save).
_dk_render_json() {
  local IFS=' ' all
  all="$S_ID$S_CREATED$S_NAME$S_IMAGE$S_IMAGE_ID$S_STATUS$S_ERROR$S_STARTED$S_FINISHED$S_RESTART$S_NETWORK$S_HOSTNAME"
  all+="${S_CMD[*]-}${S_BINDS[*]-}${S_PORTS[*]-}${S_LABELS[*]-}${S_ENV[*]-}"
  if [[ "$all" == *[\\\"[:cntrl:]]* ]]; then
    _dk_load_json
    _dk_render_json_escaped
    return
  fi
  local running=false path='"/usr/local/bin/entrypoint.sh"' args='["serve"]' cmd=null binds=null env='[]'
  local bindings='' exposed='' mounts='' labels='' sep='' p b l src dst mode rw
  [ "$S_STATUS" = running ] && running=true
  if [ "${#S_CMD[@]}" -gt 0 ]; then
    path="\"${S_CMD[0]}\"" args='[]'
    printf -v cmd ',"%s"' "${S_CMD[@]}"
    cmd="[${cmd:1}]"
    if [ "${#S_CMD[@]}" -gt 1 ]; then printf -v args ',"%s"' "${S_CMD[@]:1}"; args="[${args:1}]"; fi
  fi
  if [ "${#S_BINDS[@]}" -gt 0 ]; then printf -v binds ',"%s"' "${S_BINDS[@]}"; binds="[${binds:1}]"; fi
  if [ "${#S_ENV[@]}" -gt 0 ]; then printf -v env ',"%s"' "${S_ENV[@]}"; env="[${env:1}]"; fi
  for p in "${S_PORTS[@]+"${S_PORTS[@]}"}"; do
    bindings+="$sep\"${p#* }\":[{\"HostIp\":\"\",\"HostPort\":\"${p%% *}\"}]"
    exposed+="$sep\"${p#* }\":{}"
    sep=','
  done
  sep=''
  for b in "${S_BINDS[@]+"${S_BINDS[@]}"}"; do
    IFS=: read -r src dst mode <<<"$b"
    rw=true; [ "$mode" = ro ] && rw=false
    mounts+="$sep{\"Type\":\"bind\",\"Source\":\"$src\",\"Destination\":\"$dst\",\"Mode\":\"$mode\",\"RW\":$rw,\"Propagation\":\"rprivate\"}"
    sep=','
  done
  # The mount points --mount gave (_dk_run_extras), after those of the binds.
  mounts+="${S_MOUNTX:-}"
  mounts="${mounts#,}"
  sep=''
  for l in "${S_LABELS[@]+"${S_LABELS[@]}"}"; do
    if [[ "$l" == *=* ]]; then labels+="$sep\"${l%%=*}\":\"${l#*=}\""; else labels+="$sep\"$l\":\"\""; fi
    sep=','
  done
  printf -v REPLY '{"Id":"%s","Created":"%s","Path":%s,"Args":%s,"State":{"Status":"%s","Running":%s,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":%s,"ExitCode":%s,"Error":"%s","StartedAt":"%s","FinishedAt":"%s"},"Image":"%s","Name":"/%s","RestartCount":0,"HostConfig":{"Binds":%s,"NetworkMode":"%s","PortBindings":{%s},"RestartPolicy":{"Name":"%s","MaximumRetryCount":%s},"AutoRemove":false%s},"Mounts":[%s],"Config":{"Hostname":"%s","Env":%s,"Cmd":%s,"Image":"%s","Labels":{%s},"ExposedPorts":{%s}%s},"NetworkSettings":{"Networks":{"%s":{%s}}}}' \
    "$S_ID" "$S_CREATED" "$path" "$args" "$S_STATUS" "$running" "$S_PID" "$S_EXIT" "$S_ERROR" "$S_STARTED" "$S_FINISHED" \
    "$S_IMAGE_ID" "$S_NAME" "$binds" "$S_NETWORK" "$bindings" "$S_RESTART" "$S_RESTART_MAX" "${S_HOSTX:-}" "$mounts" \
    "$S_HOSTNAME" "$env" "$cmd" "$S_IMAGE" "$labels" "$exposed" "${S_CONFIGX:-}" "$S_NETWORK" "${S_NETX:-}"
}

_dk_start_fails() { [ -e "$D/fail-start" ]; }

_dk_image_present() {
  local line
  [ -r "$D/images" ] || return 1
  while IFS= read -r line || [ -n "$line" ]; do [ "$line" = "$1" ] && return 0; done <"$D/images"
  return 1
}

_dk_cmd_run() {
  local name='' restart='no' network='bridge' image='' f line
  local envs=() ports=() vols=() labels=() cmd=() extras=() hostname=''
  while [ $# -gt 0 ]; do
    case "$1" in
      -d | --detach | -i | -t | -it | -dit | -di | --rm | --init) ;;
      --name) name="$2"; shift ;;
      --name=*) name="${1#--name=}" ;;
      -e | --env) envs+=("$2"); shift ;;
      --env=*) envs+=("${1#--env=}") ;;
      --env-file | --env-file=*)
        if [ "$1" = --env-file ]; then f="$2"; shift; else f="${1#--env-file=}"; fi
        if [ ! -r "$f" ]; then echo "docker: open $f: no such file or directory." >&2; echo "See 'docker run --help'." >&2; return 125; fi
        while IFS= read -r line || [ -n "$line" ]; do
          line="${line%$'\r'}"
          case "$line" in '' | \#*) continue ;; esac
          envs+=("$line")
        done <"$f"
        ;;
      -p | --publish) ports+=("$2"); shift ;;
      --publish=*) ports+=("${1#--publish=}") ;;
      -v | --volume) vols+=("$2"); shift ;;
      --volume=*) vols+=("${1#--volume=}") ;;
      --restart) restart="$2"; shift ;;
      --restart=*) restart="${1#--restart=}" ;;
      -l | --label) labels+=("$2"); shift ;;
      --label=*) labels+=("${1#--label=}") ;;
      --network | --net) network="$2"; shift ;;
      --network=* | --net=*) network="${1#*=}" ;;
      --privileged) extras+=(privileged '') ;;
      --no-healthcheck) extras+=(no-healthcheck '') ;;
      # Kept in the container's inspect JSON (_dk_run_extras), so a recreate can be checked.
      --entrypoint | --cap-add | --cap-drop | --dns | --dns-search | --dns-option | --add-host | --log-driver | --log-opt | \
        --memory | -m | --memory-swap | --cpus | --tmpfs | --ulimit | --network-alias | \
        --health-cmd | --health-interval | --health-timeout | --health-start-period | --health-retries | --stop-signal | \
        --device | --security-opt | --sysctl | --mount | --pid)
        extras+=("$1" "$2"); shift ;;
      --hostname | -h) hostname="$2"; shift ;;
      --user | -u | --workdir | -w | --pull) shift ;;
      --*=*) set -- "${1%%=*}" "${1#*=}" "${@:2}"; continue ;;
      -*) echo "unknown flag: $1" >&2; echo "See 'docker run --help'." >&2; return 125 ;;
      *) image="$1"; shift; cmd=("$@"); break ;;
    esac
    shift
  done
  if [ -z "$image" ]; then echo '"docker run" requires at least 1 argument.' >&2; return 125; fi
  if [ -z "$name" ]; then _dk_random_hex 1; name="sandbox_${REPLY:0:6}"; fi
  if [ -f "$C/$name.state" ]; then
    local other; read -r other <"$C/$name.id"
    echo "docker: Error response from daemon: Conflict. The container name \"/$name\" is already in use by container \"$other\". You have to remove (or rename) that container to be able to reuse that name." >&2
    echo "See 'docker run --help'." >&2
    return 125
  fi
  S_HOSTX='' S_CONFIGX='' S_NETX='' S_MOUNTX=''
  if [ "${#extras[@]}" -gt 0 ]; then _dk_load_json; _dk_run_extras "${extras[@]}" || return 125; fi
  _dk_image_present "$image" || {
    echo "Unable to find image '$image' locally" >&2
    _dk_cmd_pull "$image" >&2 || return 125
  }
  # Before any other S_* is set: it loads other containers into them.
  local image_id hostx="$S_HOSTX" configx="$S_CONFIGX" netx="$S_NETX" mountx="$S_MOUNTX"
  _dk_image_id "$image"; image_id="$REPLY"
  S_HOSTX="$hostx" S_CONFIGX="$configx" S_NETX="$netx" S_MOUNTX="$mountx"
  # Env as the daemon merges it: the image's PATH first; -e KEY takes the value from this
  # shell's environment (or is dropped); a later value of a key replaces an earlier one in place.
  # Exported variables only: run as a host function (host-functions.sh), this shell also holds
  # the script's unexported ones, which a started docker would not see.
  local -A at=()
  local kv key
  S_ENV=()
  for kv in "$DEFAULT_PATH_ENV" "${envs[@]+"${envs[@]}"}"; do
    if [[ "$kv" != *=* ]]; then
      [ -n "${!kv+x}" ] && [[ "${!kv@a}" == *x* ]] || continue
      kv="$kv=${!kv}"
    fi
    key="${kv%%=*}"
    if [ -n "${at[$key]+x}" ]; then S_ENV[${at[$key]}]="$kv"; else at[$key]=${#S_ENV[@]}; S_ENV+=("$kv"); fi
  done
  local p h c parts
  S_PORTS=()
  for p in "${ports[@]+"${ports[@]}"}"; do
    IFS=: read -r -a parts <<<"$p"
    if [ "${#parts[@]}" -eq 2 ]; then h="${parts[0]}" c="${parts[1]}"; else h="${parts[1]:-}" c="${parts[2]:-}"; fi
    [[ "$c" == */* ]] || c="$c/tcp"
    S_PORTS+=("$h $c")
  done
  S_NAME="$name" S_IMAGE="$image" S_NETWORK="$network" S_CMD=("${cmd[@]+"${cmd[@]}"}")
  S_BINDS=("${vols[@]+"${vols[@]}"}") S_LABELS=("${labels[@]+"${labels[@]}"}")
  S_RESTART="${restart%%:*}" S_RESTART_MAX=0
  [[ "$restart" == on-failure:* ]] && S_RESTART_MAX="${restart#*:}"
  _dk_random_hex 8; S_ID="$REPLY"; S_HOSTNAME="${hostname:-${S_ID:0:12}}"
  S_IMAGE_ID="$image_id"
  _dk_now_iso; S_CREATED="$REPLY"
  S_FINISHED='0001-01-01T00:00:00Z'
  if _dk_start_fails; then
    S_STATUS=created S_PID=0 S_EXIT=128 S_ERROR='runc create failed' S_STARTED='0001-01-01T00:00:00Z'
  else
    S_STATUS=running S_PID=4242 S_EXIT=0 S_ERROR='' S_STARTED="$S_CREATED"
  fi
  _dk_save_container
  if [ "$S_STATUS" != running ]; then
    echo "docker: $OCI_ERROR." >&2
    return 125
  fi
  echo "$S_ID"
}

# _dk_set_state NAME running|exited : flips the state fields the way docker start/stop do.
_dk_set_state() {
  _dk_load_container "$1"
  _dk_now_iso
  if [ "$2" = running ]; then
    S_STATUS=running S_PID=4242 S_EXIT=0 S_ERROR='' S_STARTED="$REPLY"
  else
    [ "$S_STATUS" = running ] && S_EXIT=0
    S_STATUS=exited S_PID=0 S_FINISHED="$REPLY"
  fi
  _dk_save_container state
}

_dk_cmd_stop() {
  local rc=0
  while [ $# -gt 0 ]; do
    case "$1" in -t | --time | -s | --signal) shift ;; --time=* | --signal=*) ;; *)
      if _dk_find_container "$1"; then
        local name="$REPLY"
        _dk_read_status "$name"; [ "$REPLY" = running ] && _dk_set_state "$name" exited
        echo "$1"
      else _dk_no_such "$1"; rc=1; fi ;;
    esac
    shift
  done
  return $rc
}

_dk_cmd_start() {
  local rc=0 q name
  for q in "$@"; do
    case "$q" in -a | -i | --attach | --interactive) continue ;; esac
    if ! _dk_find_container "$q"; then _dk_no_such "$q"; rc=1; continue; fi
    name="$REPLY"
    _dk_read_status "$name"
    # The fault breaks creating containers (docker run); one that ran before starts again, which
    # is what lets a migration put the old container back on such a host.
    if _dk_start_fails && [ "$REPLY" = created ]; then
      echo "$OCI_ERROR" >&2
      echo "Error: failed to start containers: $q" >&2
      rc=1; continue
    fi
    [ "$REPLY" = running ] || _dk_set_state "$name" running
    echo "$q"
  done
  return $rc
}

_dk_cmd_rm() {
  local force=0 rc=0 q name
  for q in "$@"; do
    case "$q" in
      -f | --force | -fv | -vf) force=1 ;;
      -v | --volumes) ;;
      *)
        if ! _dk_find_container "$q"; then
          [ "$force" = 1 ] || { _dk_no_such "$q"; rc=1; }
          continue
        fi
        name="$REPLY"
        _dk_read_status "$name"
        if [ "$REPLY" = running ] && [ "$force" = 0 ]; then
          echo "Error response from daemon: cannot remove container \"/$name\": container is running: stop the container before removing or force remove" >&2
          rc=1; continue
        fi
        _dk_remove_container_files "$name"
        echo "$q"
        ;;
    esac
  done
  return $rc
}

_dk_cmd_rename() {
  if [ $# -ne 2 ]; then echo '"docker rename" requires exactly 2 arguments.' >&2; return 1; fi
  local old new="${2#/}" other
  if ! _dk_find_container "$1"; then _dk_no_such "$1"; return 1; fi
  old="$REPLY"
  if [ -f "$C/$new.state" ]; then
    read -r other <"$C/$new.id"
    echo "Error response from daemon: Conflict. The container name \"/$new\" is already in use by container \"$other\". You have to remove (or rename) that container to be able to reuse that name." >&2
    return 1
  fi
  _dk_load_container "$old"
  S_NAME="$new"
  _dk_save_container
  _dk_remove_container_files "$old"
}

# docker update --restart POLICY NAME...: the one setting scripts change on an existing container.
_dk_cmd_update() {
  local restart='' names=() q rc=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --restart) restart="$2"; shift ;;
      --restart=*) restart="${1#--restart=}" ;;
      -*) echo "docker update: $1 is not simulated (only --restart)" >&2; return 1 ;;
      *) names+=("$1") ;;
    esac
    shift
  done
  if [ "${#names[@]}" -eq 0 ]; then echo '"docker update" requires at least 1 argument.' >&2; return 1; fi
  for q in "${names[@]}"; do
    if ! _dk_find_container "$q"; then
      echo "Error response from daemon: No such container: $q" >&2; rc=1; continue
    fi
    _dk_load_container "$REPLY"
    if [ -n "$restart" ]; then
      S_RESTART="${restart%%:*}" S_RESTART_MAX=0
      [[ "$restart" == on-failure:* ]] && S_RESTART_MAX="${restart#*:}"
    fi
    _dk_save_container
    echo "$q"
  done
  return $rc
}

# _dk_inspect_images FORMAT NAME...: `docker inspect --type image` (or a name that is no
# container): the image's JSON, or with a format only its Id (`<no value>` for any other field).
_dk_inspect_images() {
  local format="$1" name ref out='' sep='' missing=0
  shift
  for name in "$@"; do
    ref="$name"
    _dk_image_present "$ref" || { ref="$name:latest"; _dk_image_present "$ref"; } || { missing=1; continue; }
    _dk_image_digest "$ref"
    if [ -n "$format" ]; then
      case "$format" in '{{.Id}}' | '{{.ID}}') printf 'sha256:%s\n' "$REPLY" ;; *) echo '<no value>' ;; esac
      continue
    fi
    out+="$sep{\"Id\":\"sha256:$REPLY\",\"RepoTags\":[\"$ref\"],\"RepoDigests\":[],\"Created\":\"2026-01-01T00:00:00Z\",\"Config\":{\"Env\":[\"$DEFAULT_PATH_ENV\"],\"Cmd\":[\"serve\"],\"Labels\":null},\"Architecture\":\"amd64\",\"Os\":\"linux\"}"
    sep=','
  done
  [ -n "$format" ] || printf '[%s]\n' "$out"
  if [ "$missing" = 1 ]; then
    for name in "$@"; do
      _dk_image_present "$name" || _dk_image_present "$name:latest" || echo "Error: No such image: $name" >&2
    done
    return 1
  fi
}

_dk_cmd_pull() {
  local image="" a
  for a in "$@"; do case "$a" in -q | --quiet | -a | --all-tags) ;; *) image="$a" ;; esac; done
  if [ -z "$image" ]; then echo '"docker pull" requires exactly 1 argument.' >&2; return 1; fi
  if [ -e "$D/pull-denied" ]; then
    echo "Error response from daemon: Head \"https://ghcr.io/v2/${image#ghcr.io/}/manifests/latest\": denied: denied" >&2
    return 1
  fi
  local tag="${image##*:}"
  [ "$tag" = "$image" ] && tag=latest
  local repo="${image%:*}"; repo="${repo#*/}"; echo "$tag: Pulling from $repo"
  _dk_image_digest "$image"
  echo "Digest: sha256:$REPLY"
  echo "Status: Downloaded newer image for $image"
  echo "$image"
  _dk_image_present "$image" || printf '%s\n' "$image" >>"$D/images"
}
