#!/usr/bin/env bash
# molectl on-tenant script: put the CP shared secret into the platform container, durably.
# Sent by `molectl migrate cp-secret` through SSM Run Command (AWS-RunShellScript) as root.
# Review it with `molectl migrate cp-secret script`.
#
# Inputs: environment variables set by the lines molectl puts before this script. None of them
# is a secret: the value is fetched here, by the instance role, from Secrets Manager (pinned
# version) or from a run-scoped SecureString parameter.
#   MOLECTL_MODE            probe | apply | ensure | rollback | cp-auth-check
#   MOLECTL_CONTAINER       platform container name (molecule-tenant)
#   MOLECTL_CP_URL          value for MOLECULE_CP_URL
#   MOLECTL_EXPECTED_FP     sha256:<12 hex> of the value this run delivers
#   MOLECTL_DELIVERY        secrets-manager | parameter
#   MOLECTL_SECRET_ID       secret ARN (secrets-manager delivery)
#   MOLECTL_SECRET_VERSION  pinned VersionId (secrets-manager delivery)
#   MOLECTL_PARAMETER       SecureString parameter name (parameter delivery)
#   MOLECTL_RUN_ID          the molectl run, used to name the kept old container
#   MOLECTL_AWS_REGION      region of the secret / parameter (aws CLI v1 does not read it from
#                           instance metadata, and the host's profile may name another)
#   MOLECTL_HEALTH_TIMEOUT  seconds to wait for the new container's /health (default 90)
#   MOLECTL_LOCK_WAIT       seconds to wait for another run that is changing the container on this
#                           host (default 30; the updater's helper waits 300)
#   MOLECTL_WORKSPACE_ID, MOLECTL_WORKSPACE_INSTANCE
#                           cp-auth-check: a workspace of the org and its instance id, whose status
#                           the container reads with its own credentials (absent: differential proof)
#
# Output: human lines on stderr; exactly one line `MOLECTL_RESULT {json}` on stdout. molectl
# treats a run without a valid result line as failed ("unverified"), whatever its exit code.
#
# Invariants:
#  - the secret value lives only in the SECRET shell variable and in 0600 root files under
#    /etc/molecule; it is never echoed, never traced (no set -x), never in any process argv
#    (only bash builtins touch it; docker receives it through --env-file);
#  - on any failure after the old container was stopped, the old container is put back.
#
# Bash 4.2 or later (Amazon Linux 2 has 4.2): no mapfile -d, namerefs or ${var@Q}
# (test/sandbox/hosts/bash-42.test.ts reads for them).
#
# Paths are prefixed with ${MOLECTL_HOST_ROOT:-}: empty on a real host; the sandbox points it at
# a simulated host's directory, so this exact script is what the tests run. The sandbox runs this
# script's own `python3 -c` snippets inside its python helper, without a new process
# (src/sandbox/hosts/python-helper.py): a snippet reads stdin and writes stdout, and at most the
# file its argument names, nothing else.
set -uo pipefail
set +x
umask 077
# The last command of a pipeline runs in this shell, not in one more subshell: a function at
# the end of one (fingerprint) costs no fork, and the variable it sets (FP) outlives it. The
# other pipelines here all end in a $(...), so no variable they set outlives it.
shopt -s lastpipe

R="${MOLECTL_HOST_ROOT:-}"
MODE="${MOLECTL_MODE:-probe}"
NAME="${MOLECTL_CONTAINER:-molecule-tenant}"
ENV_DIR="$R/etc/molecule"
DURABLE_ENV="$ENV_DIR/tenant.env"
UPDATER="$R/usr/local/bin/molecule-auto-update.sh"
UPDATER_ORIG="$UPDATER.molectl-orig"
ENSURE_BIN="$R/usr/local/sbin/molectl-tenant-env"
USER_DATA="$R/var/lib/cloud/instance/user-data.txt"
WRAPPER_MARK='# molectl: durable-env wrapper'
SECRET_KEY=MOLECULE_CP_SHARED_SECRET
URL_KEY=MOLECULE_CP_URL
SECRET=''

log() { printf 'molectl: %s\n' "$*" >&2; }

json_str() { # JSON-quote one value into JSON_STR: backslash, quote and control characters escaped
  # No $(...) here or in result(): each would fork a subshell, and the probe runs on every host.
  # Most values hold none of them: one test instead of five substitutions.
  local s=$1
  if [[ $s == *[\\\"$'\n\r\t']* ]]; then
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\r'/\\r}
    s=${s//$'\t'/\\t}
  fi
  printf -v JSON_STR '"%s"' "$s"
}

result() { # result key value key value ... ; values starting with @ are raw JSON (true/false/null/numbers)
  local out='{"molectl":"cp-secret","mode":'
  json_str "$MODE"
  out+=$JSON_STR
  while [ $# -ge 2 ]; do
    json_str "$1"
    out+=",$JSON_STR:"
    if [ "${2:0:1}" = '@' ]; then out+="${2:1}"; else json_str "$2"; out+=$JSON_STR; fi
    shift 2
  done
  printf 'MOLECTL_RESULT %s}\n' "$out"
}

fail() { # fail <status> <reason> [extra result pairs]
  local status=$1 reason=$2
  shift 2
  log "$reason"
  result status "$status" reason "$reason" "$@"
  exit 1
}

container_missing() { # <status> <reason>, after a failed inspect: fail saying which of the two it was
  [ -z "$DOCKER_ERROR" ] || fail docker-unavailable "docker did not answer: $DOCKER_ERROR"
  fail "$1" "$2"
}

FP=''
fingerprint() { # sets FP to the fingerprint of the value given on stdin: sha256:<12 hex>
  # Called at the end of a pipeline (`printf '%s' "$v" | fingerprint`), so in this shell (lastpipe),
  # as is the `read` here: sha256sum is the only process a call starts, besides the writer. The
  # 12 digits are cut by parameter expansion: a `| cut` would be two more processes per call.
  local digest rest
  sha256sum | read -r digest rest
  FP="sha256:${digest:0:12}"
}

# Every inspect says --type container: without it, docker reads a name that is no container as an
# image, a network or a volume of that name (an image built by hand as `molecule-tenant`), and
# the script would take that for a stopped container.
container_exists() { docker inspect --type container --format '{{.Id}}' "$1" >/dev/null 2>&1 && return 0; why_no_container "$1"; return 1; }

# A failed inspect is not proof of absence: a daemon that is down or a socket this user may not
# open fails it too. Only then (never on the probe's usual path) is docker asked again for its
# message: DOCKER_ERROR is empty when the container does not exist, else docker's first line.
DOCKER_ERROR=''
why_no_container() {
  if DOCKER_ERROR=$(docker inspect --type container "$1" 2>&1 >/dev/null); then
    # It answers now: the first answer (read_container's, container_exists') could not be read.
    DOCKER_ERROR="docker inspect $1 answers when asked again, but its first answer could not be read"
    return 0
  fi
  case "$DOCKER_ERROR" in
    *'No such '*) DOCKER_ERROR='' ;;
    '') DOCKER_ERROR='docker inspect failed without a message' ;;
    *) DOCKER_ERROR=${DOCKER_ERROR%%$'\n'*} DOCKER_ERROR=${DOCKER_ERROR:0:300} ;;
  esac
}

# One `docker inspect` per phase, kept in INSPECT, and every fact read from it by one python call:
# sets INSPECT C_ID C_RUNNING C_IMAGE C_HAS_SECRET C_FP C_HAS_URL C_URL C_MULTILINE C_CONFLICT
# C_UNCARRIED C_SETTINGS.
# docker's answer goes straight into python, which hands INSPECT back quoted with the facts: one
# subshell and one docker process, where reading INSPECT first and piping it to python again took
# three forks. The value leaves python only as a fingerprint (and inside INSPECT, to this shell).
# An inspect that fails (no container: docker prints `[]`; no daemon: nothing) gives no output,
# and only then is docker asked why (why_no_container). Returns 1 then, INSPECT empty.
INSPECT=''
read_container() {
  local facts
  facts=$(docker inspect --type container "$NAME" 2>/dev/null | python3 -c '
import hashlib, json, shlex, sys
raw = sys.stdin.read()
try:
    found = json.loads(raw) if raw.strip() else []
except ValueError:
    found = []
if not found:
    sys.exit(0)
c = found[0]
cfg, host = c.get("Config") or {}, c.get("HostConfig") or {}
nets = (c.get("NetworkSettings") or {}).get("Networks") or {}
env = dict(item.partition("=")[::2] for item in cfg.get("Env") or [])
values = {}
for item in cfg.get("Env") or []:
    values.setdefault(item.partition("=")[0], set()).add(item.partition("=")[2])
secret = env.get("MOLECULE_CP_SHARED_SECRET")
facts = {
    "INSPECT": raw.rstrip("\n"),
    "C_ID": (c.get("Id") or "")[:12],
    "C_RUNNING": "true" if (c.get("State") or {}).get("Running") else "false",
    "C_IMAGE": cfg.get("Image") or "",
    "C_HAS_SECRET": "false" if secret is None else "true",
    "C_FP": "" if secret is None else "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12],
    "C_HAS_URL": "true" if "MOLECULE_CP_URL" in env else "false",
    "C_URL": env.get("MOLECULE_CP_URL", ""),
    # Names of env values with a line break: docker --env-file cannot carry them (prepare_recreate).
    "C_MULTILINE": ",".join(k for k, v in env.items() if "\n" in v or "\r" in v),
    # Our keys set twice with different values: which one the platform reads depends on its
    # runtime (Go and C getenv take the first, Python and bash the last), so neither is current.
    "C_CONFLICT": ",".join(k for k in ("MOLECULE_CP_SHARED_SECRET", "MOLECULE_CP_URL") if len(values.get(k, ())) > 1),
    # Settings prepare_recreate does not carry, by the docker run option that gives them: the
    # migration refuses such a container rather than recreate it without them. Carried: devices
    # (not --gpus requests), security options but a seccomp profile (docker inspect shows the
    # text of the profile, docker run takes a file), sysctls, and --mount entries of a bind or a named
    # volume with nothing but source, target and readonly (what prepare_recreate can write back).
    "C_UNCARRIED": ",".join(flag for flag, value in (
        ("--gpus", host.get("DeviceRequests")),
        ("--mount", any(
            m.get("Type") not in ("bind", "volume") or not m.get("Source") or not m.get("Target")
            or any(ch in m.get("Source", "") + m.get("Target", "") for ch in ",\"\n")
            or any(v for k, v in m.items() if k not in ("Type", "Source", "Target", "ReadOnly"))
            for m in host.get("Mounts") or [])),
        ("--link", host.get("Links")),
        ("--volumes-from", host.get("VolumesFrom")),
        ("--security-opt seccomp", any(o.startswith("seccomp") and o not in ("seccomp=unconfined", "seccomp:unconfined")
                                       for o in host.get("SecurityOpt") or [])),
        ("--group-add", host.get("GroupAdd")),
        ("--cgroup-parent", host.get("CgroupParent")),
        ("--pid", host.get("PidMode")),
        ("--ipc", host.get("IpcMode") not in (None, "", "private", "shareable")),
        ("--uts", host.get("UTSMode")),
        ("--userns", host.get("UsernsMode")),
        ("--runtime", host.get("Runtime") not in (None, "", "runc")),
        ("--read-only", host.get("ReadonlyRootfs")),
        ("--init", host.get("Init")),
        ("--shm-size", host.get("ShmSize") not in (None, 0, 67108864)),
        ("--pids-limit", (host.get("PidsLimit") or 0) > 0),
        ("--oom-score-adj", host.get("OomScoreAdj")),
        ("--memory-reservation", host.get("MemoryReservation")),
        ("--cpu-shares", host.get("CpuShares")),
        ("--cpu-quota", host.get("CpuQuota") or host.get("CpuPeriod")),
        ("--cpuset-cpus", host.get("CpusetCpus") or host.get("CpusetMems")),
        ("--stop-timeout", cfg.get("StopTimeout") is not None),
        ("--domainname", cfg.get("Domainname")),
        ("--tty", cfg.get("Tty")),
        ("--interactive", cfg.get("OpenStdin")),
        ("a second network", len(nets) > 1),
        ("--ip", any((n or {}).get("IPAMConfig") for n in nets.values())),
    ) if value),
    # What must read the same on the recreated container, per setting: what prepare_recreate
    # leaves to the image where docker run has no option for it (a healthcheck in exec form, an
    # entrypoint reset to none). The settings it passes are not compared: the daemon may add its
    # own defaults to them (daemon.json log-opts, default-ulimits), which is no loss.
    "C_SETTINGS": " ".join("%s=%s" % (k, hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest()[:8]) for k, v in (
        ("command", (cfg.get("Entrypoint") or []) + (cfg.get("Cmd") or [])),
        ("healthcheck", cfg.get("Healthcheck") or None),
    )),
}
print("\n".join("%s=%s" % (k, shlex.quote(v)) for k, v in facts.items()))
')
  if [ -z "$facts" ]; then
    INSPECT=''
    why_no_container "$NAME"
    return 1
  fi
  eval "$facts"
}

durable_env_value() { # value of KEY in the durable env file, exit 1 when absent
  [ -f "$DURABLE_ENV" ] || return 1
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in "$1="*) printf '%s' "${line#"$1="}"; return 0 ;; esac
  done < "$DURABLE_ENV"
  return 1
}

first_match() { # first_match <ERE> <file>: sets MATCH to the first match, as `grep -oE ERE file | head -n 1`
  # prints it (leftmost-longest, line by line), with builtins: no grep, head or pipe to start.
  local line
  MATCH=''
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ $1 ]]; then MATCH=${BASH_REMATCH[0]}; return 0; fi
  done < "$2"
  return 1
}

updater_state() { # sets UPDATER_STATE: none | unwrapped | wrapped
  # Builtins only, into a variable: no $(...) subshell and no grep, as in durable_env_value.
  UPDATER_STATE=none
  [ -f "$UPDATER" ] || return 0
  UPDATER_STATE=unwrapped
  local line
  { while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in *"$WRAPPER_MARK"*) UPDATER_STATE=wrapped; return 0 ;; esac
  done < "$UPDATER"; } 2>/dev/null
  return 0
}

fetch_secret() { # sets SECRET from the pinned source; never prints it
  local value
  case "${MOLECTL_DELIVERY:-secrets-manager}" in
    secrets-manager)
      { value=$(aws secretsmanager get-secret-value ${MOLECTL_AWS_REGION:+--region "$MOLECTL_AWS_REGION"} \
        --secret-id "$MOLECTL_SECRET_ID" --version-id "$MOLECTL_SECRET_VERSION" --query SecretString --output text); } 2>/dev/null || return 1 ;;
    parameter)
      { value=$(aws ssm get-parameter ${MOLECTL_AWS_REGION:+--region "$MOLECTL_AWS_REGION"} \
        --name "$MOLECTL_PARAMETER" --with-decryption --query Parameter.Value --output text); } 2>/dev/null || return 1 ;;
    *) return 1 ;;
  esac
  SECRET=$value
  [ -n "$SECRET" ]
}

# What the env file held before write_durable_env (ENV_BEFORE, and whether it existed), so that an
# apply that puts the old container back also puts the file back: the updater's helper reads it,
# and would otherwise recreate the restored container with the values the apply just gave up on.
ENV_BEFORE='' ENV_EXISTED=false
write_durable_env() { # merge the two keys into /etc/molecule/tenant.env (0600), atomically
  [ -d "$ENV_DIR" ] || mkdir -p "$ENV_DIR"
  local tmp="$DURABLE_ENV.molectl.$$" line
  ENV_BEFORE='' ENV_EXISTED=false
  # umask 077 creates it 0600; only a file left by an earlier run with the same pid needs chmod.
  if [ -e "$tmp" ] || [ -L "$tmp" ]; then chmod 600 "$tmp"; fi
  local content=''
  if [ -f "$DURABLE_ENV" ]; then
    ENV_EXISTED=true
    while IFS= read -r line || [ -n "$line" ]; do
      ENV_BEFORE+="$line"$'\n'
      case "$line" in "$SECRET_KEY="* | "$URL_KEY="*) ;; *) content+="$line"$'\n' ;; esac
    done < "$DURABLE_ENV"
  fi
  content+="$SECRET_KEY=$SECRET"$'\n'"$URL_KEY=$MOLECTL_CP_URL"$'\n'
  # One write whose failure is seen (a full disk): a short file must never replace the old one.
  if ! printf '%s' "$content" > "$tmp"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$DURABLE_ENV"
}

restore_durable_env() { # after restore_backup in apply: the env file as it was before write_durable_env
  if [ "$ENV_EXISTED" = false ]; then rm -f "$DURABLE_ENV"; return; fi
  local tmp="$DURABLE_ENV.molectl.$$"
  if printf '%s' "$ENV_BEFORE" > "$tmp"; then mv -f "$tmp" "$DURABLE_ENV"; else rm -f "$tmp"; log "could not put $DURABLE_ENV back as it was"; fi
}

prepare_recreate() { # <envfile>: writes INSPECT's env minus our keys to it; prints NUL-separated `docker run` options
  printf '%s' "$INSPECT" | python3 -c '
import json, sys
c = json.load(sys.stdin)[0]
cfg, host = c.get("Config") or {}, c.get("HostConfig") or {}
nets = (c.get("NetworkSettings") or {}).get("Networks") or {}
skip = ("MOLECULE_CP_SHARED_SECRET=", "MOLECULE_CP_URL=")
with open(sys.argv[1], "w") as f:
    for item in cfg.get("Env") or []:
        if "\n" not in item and not item.startswith(skip):
            f.write(item + "\n")
args = ["-d"]
policy = host.get("RestartPolicy") or {}
if policy.get("Name") and policy["Name"] != "no":
    retries = policy.get("MaximumRetryCount")
    args += ["--restart", policy["Name"] + (":%d" % retries if policy["Name"] == "on-failure" and retries else "")]
for port, binds in sorted((host.get("PortBindings") or {}).items()):
    for b in binds or []:
        hp, ip = b.get("HostPort") or "", b.get("HostIp") or ""
        args += ["-p", (ip + ":" if ip else "") + (hp + ":" if hp else "") + port.replace("/tcp", "")]
binds = host.get("Binds") or []
for bind in binds:
    args += ["-v", bind]
# --mount entries, simple ones only (read_container refuses the others); their mount points are
# listed among c["Mounts"] too, and must not be given again as -v.
for m in host.get("Mounts") or []:
    args += ["--mount", "type=%s,source=%s,target=%s%s" % (m["Type"], m["Source"], m["Target"], ",readonly" if m.get("ReadOnly") else "")]
bound = {b.split(":")[1] for b in binds if ":" in b} | {m.get("Target") for m in host.get("Mounts") or []}
for m in c.get("Mounts") or []:
    if m.get("Type") == "volume" and m.get("Destination") not in bound:
        args += ["-v", "%s:%s" % (m.get("Name"), m.get("Destination"))]
net = host.get("NetworkMode")
if net and net != "default":
    args += ["--network", net]
for k, v in sorted((cfg.get("Labels") or {}).items()):
    args += ["--label", "%s=%s" % (k, v)]
for flag, key in (("--user", "User"), ("--workdir", "WorkingDir"), ("--stop-signal", "StopSignal")):
    if cfg.get(key):
        args += [flag, cfg[key]]
# docker names the host of a container after its id, unless told otherwise (or on the network of the host).
hostname = cfg.get("Hostname") or ""
if hostname and net not in ("host",) and not (net or "").startswith("container:") and not (c.get("Id") or "").startswith(hostname):
    args += ["--hostname", hostname]
# Each setting as docker inspect shows it, given back exactly (read_container names those it cannot
# carry, and checks on the new container what it leaves to the image: C_SETTINGS).
for flag, key in (("--cap-add", "CapAdd"), ("--cap-drop", "CapDrop"), ("--dns", "Dns"), ("--dns-option", "DnsOptions"),
                  ("--dns-search", "DnsSearch"), ("--add-host", "ExtraHosts")):
    for value in host.get(key) or []:
        args += [flag, value]
if host.get("Privileged"):
    args.append("--privileged")
if host.get("Memory"):
    args += ["--memory", str(host["Memory"])]
    if host.get("MemorySwap"):
        args += ["--memory-swap", str(host["MemorySwap"])]
if host.get("NanoCpus"):
    args += ["--cpus", "%d.%09d" % divmod(host["NanoCpus"], 10 ** 9)]
log = host.get("LogConfig") or {}
if log.get("Type"):
    args += ["--log-driver", log["Type"]]
for k, v in sorted((log.get("Config") or {}).items()):
    args += ["--log-opt", "%s=%s" % (k, v)]
for path, options in sorted((host.get("Tmpfs") or {}).items()):
    args += ["--tmpfs", path + (":" + options if options else "")]
for u in host.get("Ulimits") or []:
    args += ["--ulimit", "%s=%d:%d" % (u["Name"], u["Soft"], u["Hard"])]
for d in host.get("Devices") or []:
    args += ["--device", "%s:%s:%s" % (d["PathOnHost"], d.get("PathInContainer") or d["PathOnHost"], d.get("CgroupPermissions") or "rwm")]
for opt in host.get("SecurityOpt") or []:
    args += ["--security-opt", opt]
for k, v in sorted((host.get("Sysctls") or {}).items()):
    args += ["--sysctl", "%s=%s" % (k, v)]
if net and net not in ("default", "bridge", "host", "none") and not net.startswith("container:"):
    for a in (nets.get(net) or {}).get("Aliases") or []:
        if not (c.get("Id") or "").startswith(a):
            args += ["--network-alias", a]
health = cfg.get("Healthcheck") or {}
test = health.get("Test") or []
if test == ["NONE"]:
    args.append("--no-healthcheck")
else:
    # The exec form (["CMD", ...]) has no docker run option: the image gives it back, which
    # read_container checks on the new container.
    if len(test) == 2 and test[0] == "CMD-SHELL":
        args += ["--health-cmd", test[1]]
    for flag, key in (("--health-interval", "Interval"), ("--health-timeout", "Timeout"),
                      ("--health-start-period", "StartPeriod"), ("--health-start-interval", "StartInterval")):
        if health.get(key):
            args += [flag, "%dns" % health[key]]
    if health.get("Retries"):
        args += ["--health-retries", str(health["Retries"])]
command = (cfg.get("Entrypoint") or []) + (cfg.get("Cmd") or [])
if cfg.get("Entrypoint"):
    # --entrypoint takes one word: the rest of it goes before the command (the same argv runs).
    args += ["--entrypoint", command.pop(0)]
args.append(cfg.get("Image") or c.get("Image"))
args += command
sys.stdout.write("\0".join(args) + "\0")
' "$1"
}

settings_changed() { # <old C_SETTINGS> <new C_SETTINGS>: sets CHANGED to the names of those that differ
  local old=" $1 " item
  CHANGED=''
  for item in $2; do
    [[ $old == *" $item "* ]] || CHANGED+="${CHANGED:+, }${item%%=*}"
  done
  CHANGED="settings (${CHANGED:-some})"
}

# One run at a time changes the container on a host: an apply, a rollback, or the updater's
# helper (a second send, the cron auto-updater during an apply) would otherwise interleave their
# stop/rename/run and share .molectl-run.env. flock (util-linux: Amazon Linux 2 and 2023, Ubuntu)
# holds the lock until this process ends, however it ends; one process, only in the modes that
# change the container.
lock_host() { # <seconds>: hold the host lock for the rest of this process, or fail host-busy
  if ! command -v flock >/dev/null 2>&1; then log "flock is not installed: running without the host lock"; return 0; fi
  # The helper under the updater's wrapper, which holds the lock on the fd 9 it inherited.
  if [ "${MOLECTL_LOCK_HELD:-}" = 1 ] && flock -n 9 2>/dev/null; then return 0; fi
  [ -d "$ENV_DIR" ] || mkdir -p "$ENV_DIR"
  { exec 9>>"$ENV_DIR/.molectl.lock"; } 2>/dev/null || fail failed "could not open $ENV_DIR/.molectl.lock"
  flock -w "$1" 9 || fail host-busy "another molectl run or the auto-updater's helper is changing $NAME on this host (waited ${1}s); nothing changed: run it again"
}

wait_healthy() { # wait for the platform API on the host to answer /health
  local deadline=$((SECONDS + ${MOLECTL_HEALTH_TIMEOUT:-90}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    curl -fsS -m 3 http://127.0.0.1:8080/health >/dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

recreate_with_durable_env() { # <backup name>: stop, keep old as backup, run new; restore on failure
  local backup=$1 envfile="$ENV_DIR/.molectl-run.env" args=()
  # The run's files, removed together on every way out: the env file (the secret is in it), the
  # docker run options and docker's error.
  local scratch=("$envfile" "$envfile.args" "$envfile.err")
  # INSPECT is the caller's read_container of moments ago: apply_main's, before the secret was
  # fetched, or ensure_main's. Reading it again would cost a fork and see the same container.
  # The options go through a file beside the env file rather than a <(...), which would fork a
  # subshell to run prepare_recreate.
  prepare_recreate "$envfile" > "$envfile.args"
  # A read loop, not `mapfile -d ''`: mapfile's -d is bash 4.4, and Amazon Linux 2 has bash 4.2.
  local arg
  while IFS= read -r -d '' arg; do args+=("$arg"); done < "$envfile.args"
  if [ "${#args[@]}" -lt 2 ] || [ ! -f "$envfile" ]; then rm -f "${scratch[@]}"; log "could not read $NAME's configuration"; return 1; fi
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in "$SECRET_KEY="* | "$URL_KEY="*) printf '%s\n' "$line" ;; esac
  done < "$DURABLE_ENV" >> "$envfile"
  docker rm -f "$backup" >/dev/null 2>&1
  docker stop "$NAME" >/dev/null 2>&1 || { rm -f "${scratch[@]}"; log "docker stop $NAME failed"; return 1; }
  docker rename "$NAME" "$backup" >/dev/null 2>&1 || { docker start "$NAME" >/dev/null 2>&1; rm -f "${scratch[@]}"; log "docker rename failed"; return 1; }
  keep_stopped "$backup"
  # args[0] is -d; the name goes right after it. The env, secret included, goes in by file.
  if ! docker run "${args[0]}" --name "$NAME" --env-file "$envfile" "${args[@]:1}" >/dev/null 2>"$envfile.err"; then
    log "docker run failed: $(head -c 300 "$envfile.err")"
    rm -f "${scratch[@]}"
    restore_backup "$backup"
    return 1
  fi
  rm -f "${scratch[@]}"
  return 0
}

# A stopped container with restart policy `always` is started again by the docker daemon when it
# starts (a reboot, a docker upgrade): the kept old container would come back beside the new one
# and race it for the ports, with the old env. So the kept one is set to `no` while it is kept
# (KEPT_POLICY remembers `always`), and restore_backup gives it back. Only `always` does this:
# `unless-stopped` and `on-failure` leave a container that was stopped by hand stopped.
KEPT_POLICY=''
keep_stopped() { # <backup>: after the rename; args holds the docker run options
  local i
  KEPT_POLICY=''
  for ((i = 1; i < ${#args[@]}; i++)); do
    if [ "${args[i - 1]}" = --restart ] && [ "${args[i]}" = always ]; then
      docker update --restart no "$1" >/dev/null 2>&1 && KEPT_POLICY=always
      return 0
    fi
  done
}

restore_backup() { # put the kept old container back under its name
  local backup=$1
  docker rm -f "$NAME" >/dev/null 2>&1
  docker rename "$backup" "$NAME" >/dev/null 2>&1 || return 1
  [ -z "$KEPT_POLICY" ] || docker update --restart "$KEPT_POLICY" "$NAME" >/dev/null 2>&1 || log "could not set $NAME's restart policy back to $KEPT_POLICY"
  docker start "$NAME" >/dev/null 2>&1 && log "restored the previous container"
}

install_updater_wrapper() { # make the auto-updater re-apply the durable env after it recreates the container
  [ -d "${ENSURE_BIN%/*}" ] || mkdir -p "${ENSURE_BIN%/*}"
  # The helper is built from this script's own functions (declare -f), so the logic that the
  # updater re-runs is exactly the logic that was reviewed and tested here.
  {
    printf '#!/usr/bin/env bash\n# molectl: re-applies /etc/molecule/tenant.env to the platform container when an\n'
    printf '# image update recreated it without those values. Installed by molectl migrate cp-secret.\n'
    printf 'set -uo pipefail\nset +x\numask 077\nshopt -s lastpipe\n'
    printf 'R="${MOLECTL_HOST_ROOT:-}"\nMODE=ensure\nNAME=%q\n' "$NAME"
    printf 'ENV_DIR="$R/etc/molecule"\nDURABLE_ENV="$ENV_DIR/tenant.env"\n'
    printf 'SECRET_KEY=%s\nURL_KEY=%s\n' "$SECRET_KEY" "$URL_KEY"
    printf "INSPECT='' DOCKER_ERROR='' FP='' KEPT_POLICY=''\n"
    declare -f log json_str result fail lock_host fingerprint container_exists why_no_container read_container durable_env_value \
      prepare_recreate wait_healthy recreate_with_durable_env keep_stopped restore_backup ensure_main
    printf 'ensure_main "$@"\n'
  } > "$ENSURE_BIN.tmp" && chmod 700 "$ENSURE_BIN.tmp" && mv -f "$ENSURE_BIN.tmp" "$ENSURE_BIN" || return 1
  updater_state
  [ "$UPDATER_STATE" = unwrapped ] || return 0
  cp -p "$UPDATER" "$UPDATER_ORIG" || return 1
  {
    printf '#!/usr/bin/env bash\n%s (original kept as %s)\n' "$WRAPPER_MARK" "${UPDATER_ORIG##*/}"
    printf 'R="${MOLECTL_HOST_ROOT:-}"\nORIG="$R/usr/local/bin/%s"\n' "${UPDATER_ORIG##*/}"
    # The updater recreates the container too: it waits for a molectl run in progress (the host
    # lock, lock_host), and holds the lock for itself and the helper, which is told so.
    printf '%s\n' 'L="$R/etc/molecule/.molectl.lock"' \
      'if command -v flock >/dev/null 2>&1 && [ -d "$R/etc/molecule" ]; then' \
      '  if ! { exec 9>>"$L"; } 2>/dev/null || ! flock -w "${MOLECTL_LOCK_WAIT:-300}" 9; then' \
      '    echo "molecule-auto-update: a molectl run is changing the container; not updating now" >&2; exit 1' \
      '  fi' '  export MOLECTL_LOCK_HELD=1' 'fi'
    printf 'if [ -x "$ORIG" ]; then "$ORIG" "$@"; else bash "$ORIG" "$@"; fi\nrc=$?\n'
    printf '"$R/usr/local/sbin/molectl-tenant-env" || rc=$?\nexit $rc\n'
  } > "$UPDATER.tmp" && chmod 755 "$UPDATER.tmp" && mv -f "$UPDATER.tmp" "$UPDATER"
}

ensure_main() { # after an image update: recreate the container if it lost the durable values
  [ -f "$DURABLE_ENV" ] || exit 0
  lock_host "${MOLECTL_LOCK_WAIT:-300}"
  read_container || { log "no container $NAME${DOCKER_ERROR:+ (docker: $DOCKER_ERROR)}"; exit 1; }
  durable_env_value "$SECRET_KEY" | fingerprint
  [ "$C_FP" = "$FP" ] && exit 0
  # What apply refuses, the helper refuses too: the recreate would drop them and run another
  # container (the updater's new one may have been given them after the migration).
  [ -z "$C_MULTILINE" ] || { log "container $NAME lost the durable CP settings, but its env has value(s) with a line break ($C_MULTILINE) that the recreate cannot carry over; not recreating it (the migration plan names the tenant not-deliverable)"; exit 1; }
  [ -z "$C_UNCARRIED" ] || { log "container $NAME lost the durable CP settings, but it was started with settings the recreate cannot carry over ($C_UNCARRIED); not recreating it (the migration plan names the tenant not-deliverable)"; exit 1; }
  log "container $NAME lost the durable CP settings; recreating it with them"
  recreate_with_durable_env "$NAME-molectl-prev" || exit 1
  wait_healthy || { restore_backup "$NAME-molectl-prev"; exit 1; }
  docker rm -f "$NAME-molectl-prev" >/dev/null 2>&1
  exit 0
}

probe_main() {
  local python=false aws_host=false aws_container=false durable_fp='' ud_line ud_fp='' updater
  command -v python3 >/dev/null 2>&1 && python=true
  command -v aws >/dev/null 2>&1 && aws_host=true
  updater_state
  updater=$UPDATER_STATE
  if ! command -v docker >/dev/null 2>&1; then
    result status no-docker python3 "@$python" awsHost "@$aws_host" updater "$updater"
    exit 0
  fi
  # Without python3 the facts cannot be read, but whether the container exists still can.
  local found
  if [ "$python" = true ]; then read_container; found=$?; else container_exists "$NAME"; found=$?; fi
  if [ "$found" -ne 0 ]; then
    [ -z "$DOCKER_ERROR" ] || { result status docker-unavailable reason "$DOCKER_ERROR" python3 "@$python" awsHost "@$aws_host" updater "$updater"; exit 0; }
    result status probed container "@false" python3 "@$python" awsHost "@$aws_host" updater "$updater"
    exit 0
  fi
  [ "$python" = true ] || { result status probed container "@true" python3 "@false" awsHost "@$aws_host" updater "$updater"; exit 0; }
  # Only worth a docker exec when the host itself cannot fetch the value.
  if [ "$aws_host" = false ] && docker exec "$NAME" sh -c 'command -v aws' >/dev/null 2>&1; then aws_container=true; fi
  if durable_env_value "$SECRET_KEY" >/dev/null; then durable_env_value "$SECRET_KEY" | fingerprint; durable_fp=$FP; fi
  # Tenants provisioned after the cutover carry the value in their user-data's docker run, which
  # an image update re-applies: that is a durable source too.
  if [ -r "$USER_DATA" ] && first_match "$SECRET_KEY=[^[:space:]\\\"']+" "$USER_DATA" && ud_line=$MATCH && [ -n "$ud_line" ]; then
    printf '%s' "${ud_line#"$SECRET_KEY="}" | fingerprint
    ud_fp=$FP
  fi
  result status probed container "@true" running "@$C_RUNNING" image "$C_IMAGE" hasSecret "@$C_HAS_SECRET" \
    fingerprint "$C_FP" hasUrl "@$C_HAS_URL" cpUrl "$C_URL" durableFingerprint "$durable_fp" userDataFingerprint "$ud_fp" multilineEnv "$C_MULTILINE" \
    conflictingEnv "$C_CONFLICT" uncarriedConfig "$C_UNCARRIED" \
    updater "$updater" python3 "@$python" awsHost "@$aws_host" awsContainer "@$aws_container"
}

apply_main() {
  command -v python3 >/dev/null 2>&1 || fail not-deliverable 'python3 is not installed on the host'
  command -v aws >/dev/null 2>&1 || fail not-deliverable 'the aws CLI is not installed on the host'
  lock_host "${MOLECTL_LOCK_WAIT:-30}"
  read_container || container_missing no-container "no container named $NAME"
  local previous=$C_FP backup="$NAME-molectl-${MOLECTL_RUN_ID:-manual}" got patched=false durable=false
  fetch_secret || fail fetch-failed "could not read the secret with the instance role (${MOLECTL_DELIVERY:-secrets-manager})"
  printf '%s' "$SECRET" | fingerprint
  got=$FP
  [ "$got" = "$MOLECTL_EXPECTED_FP" ] || fail fetch-mismatch "fetched value has fingerprint $got, expected $MOLECTL_EXPECTED_FP"
  if [ "$previous" = "$MOLECTL_EXPECTED_FP" ] && [ "$C_URL" = "$MOLECTL_CP_URL" ] && [ -z "$C_CONFLICT" ]; then
    durable_env_value "$SECRET_KEY" | fingerprint
    [ "$FP" = "$previous" ] && durable=true
    updater_state
    [ "$UPDATER_STATE" != unwrapped ] && patched=true
    result status current fingerprint "$previous" previousFingerprint "$previous" containerId "$C_ID" \
      durable "@$durable" updaterPatched "@$patched" health unchanged
    exit 0
  fi
  # A stopped container was stopped by someone (a suspended org, a crash left for a person to
  # look at): recreating it would start it, and a rollback would start the old one. Left alone.
  [ "$C_RUNNING" = true ] || fail not-running "container $NAME is not running: a migration would start it; start it first, or leave it out"
  # --env-file is one variable a line: a value with a line break would be cut or lost.
  [ -z "$C_MULTILINE" ] || fail unsupported-env "env of $NAME has value(s) with a line break ($C_MULTILINE) that the recreate cannot carry over; nothing changed"
  # A recreate without them would run a different container, and /health may still pass.
  [ -z "$C_UNCARRIED" ] || fail unsupported-config "$NAME was started with settings the recreate cannot carry over ($C_UNCARRIED); nothing changed"
  local settings=$C_SETTINGS
  write_durable_env || fail failed 'could not write /etc/molecule/tenant.env'
  if ! recreate_with_durable_env "$backup"; then
    restore_durable_env
    fail rolled-back 'recreating the container failed; the previous container is running again' previousFingerprint "$previous"
  fi
  if ! wait_healthy; then
    restore_backup "$backup"
    restore_durable_env
    fail rolled-back "the new container did not answer /health within ${MOLECTL_HEALTH_TIMEOUT:-90}s; the previous container is running again" previousFingerprint "$previous"
  fi
  # A container that cannot be read now holds nothing that was seen: never the facts from before.
  read_container || C_FP=''
  if [ "$C_FP" != "$MOLECTL_EXPECTED_FP" ] || [ -n "$C_CONFLICT" ]; then
    restore_backup "$backup"
    restore_durable_env
    fail rolled-back "the new container holds ${C_FP:-nothing}, not $MOLECTL_EXPECTED_FP; the previous container is running again" previousFingerprint "$previous"
  fi
  if [ "$C_SETTINGS" != "$settings" ]; then
    settings_changed "$settings" "$C_SETTINGS"
    restore_backup "$backup"
    restore_durable_env
    fail rolled-back "the new container's $CHANGED differ from the old one's (the image gave other ones); the previous container is running again" previousFingerprint "$previous"
  fi
  install_updater_wrapper && patched=true
  result status migrated fingerprint "$C_FP" previousFingerprint "$previous" containerId "$C_ID" \
    durable "@true" updaterPatched "@$patched" health ok backupContainer "$backup"
}

rollback_main() {
  local backup="$NAME-molectl-${MOLECTL_RUN_ID:-manual}"
  lock_host "${MOLECTL_LOCK_WAIT:-30}"
  container_exists "$backup" || container_missing no-backup "no kept container $backup to roll back to"
  # The current container was run with the kept one's restart policy, which keep_stopped set to
  # `no` on the kept one if it was `always`.
  local policy
  { policy=$(docker inspect --type container --format '{{.HostConfig.RestartPolicy.Name}}' "$NAME"); } 2>/dev/null
  [ "$policy" = always ] && KEPT_POLICY=always
  restore_backup "$backup" || fail failed 'could not restore the previous container'
  if [ -f "$UPDATER_ORIG" ]; then mv -f "$UPDATER_ORIG" "$UPDATER"; fi
  rm -f "$ENSURE_BIN"
  if [ -f "$DURABLE_ENV" ]; then
    local tmp="$DURABLE_ENV.molectl.$$" line
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in "$SECRET_KEY="* | "$URL_KEY="*) ;; *) printf '%s\n' "$line" ;; esac
    done < "$DURABLE_ENV" > "$tmp"
    if [ -s "$tmp" ]; then mv -f "$tmp" "$DURABLE_ENV"; else rm -f "$tmp" "$DURABLE_ENV"; fi
  fi
  wait_healthy || fail failed 'the restored container does not answer /health'
  read_container
  result status rolled-back fingerprint "$C_FP" health ok
}

cp_auth_check_main() { # does the CP accept the container's own credentials? Proven, not presumed.
  container_exists "$NAME" || container_missing no-container "no container named $NAME"
  # Both halves run inside the container, on its own network path to the CP, and in one go:
  #  - without credentials the route must answer 401 (mounted, gate on; 404 = not mounted);
  #  - with the container's MOLECULE_CP_SHARED_SECRET and ADMIN_TOKEN it must answer a 2xx with
  #    a state for a real workspace of the org (proof "workspace-status"), or, when the org has
  #    none, anything but 401/403, 5xx or no answer (proof "differential").
  # The credentials reach curl on stdin (-H @-): never in an argv that `ps` on the host shows.
  local ws="${MOLECTL_WORKSPACE_ID:-00000000-0000-0000-0000-000000000000}" inst="${MOLECTL_WORKSPACE_INSTANCE:-i-00000000000000000}"
  local out unauth auth state proof
  out=$(docker exec -e "MOLECTL_WS=$ws" -e "MOLECTL_WS_INSTANCE=$inst" "$NAME" sh -c '
    u="${MOLECULE_CP_URL:-http://127.0.0.1:9}/cp/workspaces/$MOLECTL_WS/status?instance_id=$MOLECTL_WS_INSTANCE"
    printf "unauth %s\n" "$(curl -s -o /dev/null -m 10 -w "%{http_code}" "$u" 2>/dev/null)"
    printf "Authorization: Bearer %s\nX-Molecule-Admin-Token: %s\n" "${MOLECULE_CP_SHARED_SECRET:-}" "${ADMIN_TOKEN:-}" |
      curl -s -m 10 -H @- -w "\nauth %{http_code}\n" "$u" 2>/dev/null | tail -c 4096' 2>/dev/null)
  unauth=$(printf '%s\n' "$out" | sed -n 's/^unauth //p' | head -n 1)
  auth=$(printf '%s\n' "$out" | sed -n 's/^auth //p' | tail -n 1)
  state=$(printf '%s\n' "$out" | grep -o '"state"[[:space:]]*:[[:space:]]*"[^"]*"' | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')
  case "${unauth:-000}" in
    401 | 403) ;;
    404) fail cp-routes-unmounted "without credentials the CP answered 404: its tenant routes are not mounted (PROVISION_SHARED_SECRET unset on the CP?)" unauthStatus 404 ;;
    000 | 5??) fail cp-unavailable "the CP did not answer a call without credentials properly (${unauth:-no answer})" unauthStatus "${unauth:-000}" ;;
    2??) fail cp-gate-open "the CP answered $unauth to a call without credentials: its tenant gate is off" unauthStatus "$unauth" ;;
    *) fail cp-unexpected "the CP answered $unauth to a call without credentials, expected 401" unauthStatus "$unauth" ;;
  esac
  case "${auth:-000}" in
    401 | 403) fail cp-auth-rejected "the CP answered $auth to the container's credentials" unauthStatus "$unauth" authStatus "$auth" ;;
    000 | 5??) fail cp-unavailable "the CP did not answer the container's authenticated call properly (${auth:-no answer})" unauthStatus "$unauth" authStatus "${auth:-000}" ;;
  esac
  proof=differential
  [ -n "${MOLECTL_WORKSPACE_ID:-}" ] && [ "${auth:0:1}" = 2 ] && [ -n "$state" ] && proof=workspace-status
  result status cp-auth-ok proof "$proof" unauthStatus "$unauth" authStatus "$auth" state "$state" workspaceId "${MOLECTL_WORKSPACE_ID:-}"
}

case "$MODE" in
  probe) probe_main ;;
  cp-auth-check) cp_auth_check_main ;;
  apply) apply_main ;;
  ensure) ensure_main ;;
  rollback) rollback_main ;;
  *) fail usage "unknown MOLECTL_MODE $MODE" ;;
esac
