# shellcheck shell=bash
# Sourced by the docker shim for what a migration does not use on its hot path, so that the shim
# bash parses on every call stays small: `ps`, `inspect --format` templates (the shim's own
# renderer for the forms scripts use, jq for any other), `exec`, `restart` and `logs`.

_dk_cmd_ps() {
  local all=0 quiet=0 format='' filters=() name f status id
  while [ $# -gt 0 ]; do
    case "$1" in
      -a | --all) all=1 ;;
      -q | --quiet) quiet=1 ;;
      -aq | -qa) all=1; quiet=1 ;;
      --no-trunc | -s | --size) ;;
      -f | --filter) filters+=("$2"); shift ;;
      --filter=*) filters+=("${1#--filter=}") ;;
      --format) format="$2"; shift ;;
      --format=*) format="${1#--format=}" ;;
      *) echo "unknown flag: $1" >&2; echo "See 'docker ps --help'." >&2; return 125 ;;
    esac
    shift
  done
  local names=()
  for f in "$C"/*.state; do
    [ -e "$f" ] || continue
    name="${f##*/}"; name="${name%.state}"
    _dk_read_status "$name"; status="$REPLY"
    [ "$all" = 1 ] || [ "$status" = running ] || continue
    local keep=1 flt
    for flt in "${filters[@]+"${filters[@]}"}"; do
      case "$flt" in
        name=*) [[ "$name" =~ ${flt#name=} ]] || keep=0 ;;
        status=*) [ "$status" = "${flt#status=}" ] || keep=0 ;;
        id=*) read -r id <"$C/$name.id"; [[ "$id" == "${flt#id=}"* ]] || keep=0 ;;
        label=* | ancestor=*) ;; # accepted, not filtered: the sandbox runs one tenant container per host
        *) echo "Error response from daemon: invalid filter '${flt%%=*}'" >&2; return 1 ;;
      esac
    done
    [ "$keep" = 1 ] && names+=("$name")
  done
  [ "$quiet" = 1 ] && format='{{.ID}}'
  case "$format" in
    '{{.Names}}' | '{{ .Names }}') for name in "${names[@]+"${names[@]}"}"; do printf '%s\n' "$name"; done; return 0 ;;
    '{{.ID}}' | '{{ .ID }}') for name in "${names[@]+"${names[@]}"}"; do read -r id <"$C/$name.id"; printf '%s\n' "${id:0:12}"; done; return 0 ;;
  esac
  _dk_ps_with_jq "$format" "${names[@]+"${names[@]}"}"
}

# _dk_format_field PATH -> REPLY (the value as text) and FIELD_JSON; 1 for a path this shim does not know.
_dk_format_field() {
  local ARGS_JSON
  FIELD_JSON=''
  case "$1" in
    Id | ID) _dk_json_q "$S_ID"; FIELD_JSON="$REPLY"; REPLY="$S_ID" ;;
    Name) _dk_json_q "/$S_NAME"; FIELD_JSON="$REPLY"; REPLY="/$S_NAME" ;;
    Created) _dk_json_q "$S_CREATED"; FIELD_JSON="$REPLY"; REPLY="$S_CREATED" ;;
    Image) _dk_json_q "$S_IMAGE_ID"; FIELD_JSON="$REPLY"; REPLY="$S_IMAGE_ID" ;;
    State) _dk_json_state; FIELD_JSON="$REPLY"; return 1 ;;
    State.Status) _dk_json_q "$S_STATUS"; FIELD_JSON="$REPLY"; REPLY="$S_STATUS" ;;
    State.Running) if [ "$S_STATUS" = running ]; then REPLY=true; else REPLY=false; fi; FIELD_JSON="$REPLY" ;;
    State.Pid) REPLY="$S_PID"; FIELD_JSON="$REPLY" ;;
    State.ExitCode) REPLY="$S_EXIT"; FIELD_JSON="$REPLY" ;;
    State.Error) _dk_json_q "$S_ERROR"; FIELD_JSON="$REPLY"; REPLY="$S_ERROR" ;;
    State.StartedAt) _dk_json_q "$S_STARTED"; FIELD_JSON="$REPLY"; REPLY="$S_STARTED" ;;
    State.FinishedAt) _dk_json_q "$S_FINISHED"; FIELD_JSON="$REPLY"; REPLY="$S_FINISHED" ;;
    Config.Image) _dk_json_q "$S_IMAGE"; FIELD_JSON="$REPLY"; REPLY="$S_IMAGE" ;;
    Config.Hostname) _dk_json_q "$S_HOSTNAME"; FIELD_JSON="$REPLY"; REPLY="$S_HOSTNAME" ;;
    Config.Env) _dk_json_list "${S_ENV[@]+"${S_ENV[@]}"}"; FIELD_JSON="$REPLY"; _dk_go_list "${S_ENV[@]+"${S_ENV[@]}"}" ;;
    Config.Cmd) _dk_json_cmd; FIELD_JSON="$REPLY"; if [ "${#S_CMD[@]}" -eq 0 ]; then REPLY='[]'; else _dk_go_list "${S_CMD[@]}"; fi ;;
    Config.Labels) _dk_json_labels; FIELD_JSON="$REPLY"; return 1 ;;
    HostConfig.NetworkMode) _dk_json_q "$S_NETWORK"; FIELD_JSON="$REPLY"; REPLY="$S_NETWORK" ;;
    HostConfig.RestartPolicy.Name) _dk_json_q "$S_RESTART"; FIELD_JSON="$REPLY"; REPLY="$S_RESTART" ;;
    HostConfig.RestartPolicy.MaximumRetryCount) REPLY="$S_RESTART_MAX"; FIELD_JSON="$REPLY" ;;
    HostConfig.RestartPolicy) _dk_json_restart_policy; FIELD_JSON="$REPLY"; return 1 ;;
    HostConfig.Binds) _dk_json_binds; FIELD_JSON="$REPLY"; if [ "${#S_BINDS[@]}" -eq 0 ]; then REPLY='[]'; else _dk_go_list "${S_BINDS[@]}"; fi ;;
    HostConfig.PortBindings) _dk_json_port_bindings; FIELD_JSON="$REPLY"; return 1 ;;
    Mounts) _dk_json_mounts; FIELD_JSON="$REPLY"; return 1 ;;
    Path) _dk_json_path_args; FIELD_JSON="$REPLY"; REPLY="${S_CMD[0]:-/usr/local/bin/entrypoint.sh}" ;;
    Args) _dk_json_path_args; FIELD_JSON="$ARGS_JSON"; if [ "${#S_CMD[@]}" -gt 0 ]; then _dk_go_list "${S_CMD[@]:1}"; else REPLY='[serve]'; fi ;;
    RestartCount) REPLY=0; FIELD_JSON=0 ;;
    '') _dk_render_json; FIELD_JSON="$REPLY"; return 1 ;;
    *) return 1 ;;
  esac
}

# _dk_go_list ITEM... -> REPLY: how Go's template prints a []string: [a b c]
_dk_go_list() { local IFS=' '; REPLY="[$*]"; }

# _dk_render_format TEMPLATE -> REPLY: the forms scripts use ({{.A.B}}, {{json .A.B}}, {{json .}},
# {{range .X}}{{println .}}{{end}}, \t, \n); 1 when the template needs the jq renderer.
_dk_render_format() {
  local t="$1" out='' action path item
  t="${t//\\t/$'\t'}"
  t="${t//\\n/$'\n'}"
  while [[ "$t" == *'{{'* ]]; do
    out+="${t%%\{\{*}"
    t="${t#*\{\{}"
    [[ "$t" == *'}}'* ]] || return 1
    action="${t%%\}\}*}"
    t="${t#*\}\}}"
    action="${action#"${action%%[![:space:]]*}"}"
    action="${action%"${action##*[![:space:]]}"}"
    case "$action" in
      json\ .*)
        path="${action#json }"; path="${path#"${path%%[![:space:]]*}"}"; path="${path#.}"
        _dk_format_field "$path"
        [ -n "$FIELD_JSON" ] || return 1
        out+="$FIELD_JSON"
        ;;
      range\ .*)
        path="${action#range }"; path="${path#.}"
        [[ "$t" =~ ^\{\{[[:space:]]*println[[:space:]]+\.[[:space:]]*\}\}\{\{[[:space:]]*end[[:space:]]*\}\} ]] || return 1
        t="${t:${#BASH_REMATCH[0]}}"
        case "$path" in
          Config.Env) for item in "${S_ENV[@]+"${S_ENV[@]}"}"; do out+="$item"$'\n'; done ;;
          Config.Cmd) for item in "${S_CMD[@]+"${S_CMD[@]}"}"; do out+="$item"$'\n'; done ;;
          HostConfig.Binds) for item in "${S_BINDS[@]+"${S_BINDS[@]}"}"; do out+="$item"$'\n'; done ;;
          *) return 1 ;;
        esac
        ;;
      .*)
        _dk_format_field "${action#.}" || return 1
        out+="$REPLY"
        ;;
      *) return 1 ;;
    esac
  done
  REPLY="$out$t"
}

_dk_cmd_restart() {
  local names=()
  while [ $# -gt 0 ]; do case "$1" in -t | --time | -s | --signal) shift ;; -*) ;; *) names+=("$1") ;; esac; shift; done
  _dk_cmd_stop "${names[@]}" >/dev/null && _dk_cmd_start "${names[@]}"
}

# _dk_inspect_format TEMPLATE NAME...: the shim's renderer when it knows every field, else jq.
_dk_inspect_format() {
  local format="$1" rendered=() name
  shift
  for name in "$@"; do
    _dk_load_container "$name"
    if _dk_render_format "$format"; then rendered+=("$REPLY"); else _dk_inspect_format_with_jq "$format" "$@"; return; fi
  done
  for name in "${rendered[@]+"${rendered[@]}"}"; do printf '%s\n' "$name"; done
}

_dk_cmd_logs() { _dk_logs_with_jq "$@"; }

_dk_cmd_exec() {
  local extra=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -i | -t | -it | -ti | -d | --interactive | --tty | --detach | --privileged) ;;
      -e | --env) extra+=("$2"); shift ;;
      -u | --user | -w | --workdir) shift ;;
      --*=*) ;;
      *) break ;;
    esac
    shift
  done
  if [ $# -lt 2 ]; then echo '"docker exec" requires at least 2 arguments.' >&2; return 1; fi
  if ! _dk_find_container "$1"; then _dk_no_such "$1"; return 1; fi
  local name="$REPLY"
  shift
  _dk_load_container "$name"
  if [ "$S_STATUS" != running ]; then
    echo "Error response from daemon: container $S_ID is not running" >&2
    return 1
  fi
  # The command runs on the simulated host with the container's env; the shims stay first on
  # PATH so that `curl localhost:8080` inside the "container" reaches the simulated platform.
  # The env is set with bash builtins in a subshell, not `env -i NAME=value...`: a real
  # `docker exec` hands the container's env (its secrets) to the daemon, never to an argv
  # that `ps` shows, and the sandbox must not show more than a real host would.
  (
    local kv path="$PATH"
    while IFS= read -r kv; do unset "$kv" 2>/dev/null; done < <(compgen -e)
    for kv in "${S_ENV[@]+"${S_ENV[@]}"}" "${extra[@]+"${extra[@]}"}"; do export "$kv"; done
    export "MOLECTL_HOST_ROOT=$H" "PATH=$path"
    exec "$@"
  )
  local rc=$?
  [ $rc -eq 127 ] && echo "OCI runtime exec failed: exec failed: unable to start container process: exec: \"$1\": executable file not found in \$PATH: unknown" >&2 && return 126
  return $rc
}

# The forms below render from the docker-inspect JSON with jq, one jq start per call.

# Renders a Go-template subset against the JSON on stdin: {{json .A.B}}, {{.A.B}},
# {{range .X}}{{println .}}{{end}}, \t and \n escapes. Arrays print like Go ([a b]).
JQ_RENDER='
def gostr: if type == "string" then . elif type == "array" then "[" + (map(if type=="string" then . else tojson end) | join(" ")) + "]" elif type == "object" then "map[" + (to_entries | map("\(.key):\(.value|if type=="string" then . else tojson end)") | join(" ")) + "]" elif . == null then "<no value>" else tostring end;
def pth($p): $p | split(".") | map(select(. != ""));
def render($t): . as $o | $t
  | gsub("\\\\t"; "\t") | gsub("\\\\n"; "\n")
  | gsub("\\{\\{\\s*range\\s+\\.(?<p>[A-Za-z0-9_.]*)\\s*\\}\\}\\{\\{\\s*println\\s+\\.\\s*\\}\\}\\{\\{\\s*end\\s*\\}\\}"; (.p as $p | $o | getpath(pth($p)) // [] | map(gostr + "\n") | join("")))
  | gsub("\\{\\{\\s*json\\s+\\.(?<p>[A-Za-z0-9_.]*)\\s*\\}\\}"; (.p as $p | $o | getpath(pth($p)) | tojson))
  | gsub("\\{\\{\\s*\\.(?<p>[A-Za-z0-9_.]+)\\s*\\}\\}"; (.p as $p | $o | getpath(pth($p)) | gostr));
'

# _dk_inspect_format_with_jq TEMPLATE NAME...
_dk_inspect_format_with_jq() {
  local format="$1" files=() name
  shift
  for name in "$@"; do files+=("$C/$name.json"); done
  [ "${#files[@]}" -gt 0 ] && jq -r --arg t "$format" "$JQ_RENDER"' render($t)' "${files[@]}"
}

# _dk_ps_with_jq FORMAT NAME...
_dk_ps_with_jq() {
  local format="$1" files=() name table=0
  shift
  for name in "$@"; do files+=("$C/$name.json"); done
  if [ -z "$format" ] || [ "$format" = table ]; then
    format='table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedAt}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}'
  fi
  case "$format" in table\ *) table=1; format="${format#table }" ;; esac
  {
    if [ "$table" = 1 ]; then
      jq -nr --arg t "$format" '$t | gsub("\\{\\{\\s*\\.(?<p>[A-Za-z]+)\\s*\\}\\}"; (.p | if . == "ID" then "CONTAINER ID" elif . == "CreatedAt" then "CREATED" else ascii_upcase end)) | gsub("\\\\t"; "\t")'
    fi
    [ "${#files[@]}" -gt 0 ] && jq -r --arg t "$format" "$JQ_RENDER"'
      def ago: (now - (sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601)) | if . < 60 then "\(floor) seconds" elif . < 3600 then "\(./60|floor) minutes" elif . < 172800 then "\(./3600|floor) hours" else "\(./86400|floor) days" end;
      {
        ID: .Id[0:12], Names: (.Name | ltrimstr("/")), Image: .Config.Image,
        Command: ("\"" + ([.Path] + (.Args // []) | join(" ") | .[0:20]) + "\""),
        CreatedAt: (.Created | ago + " ago"), RunningFor: (.Created | ago + " ago"),
        State: .State.Status,
        Status: (if .State.Running then "Up " + (.State.StartedAt | ago) elif .State.Status == "created" then "Created" else "Exited (\(.State.ExitCode)) " + (.State.FinishedAt | ago) + " ago" end),
        Ports: ([.HostConfig.PortBindings // {} | to_entries[] | "0.0.0.0:\(.value[0].HostPort)->\(.key)"] | join(", ")),
        Labels: ([.Config.Labels // {} | to_entries[] | "\(.key)=\(.value)"] | join(","))
      } | render($t)' "${files[@]}"
  } | if [ "$table" = 1 ]; then column -t -s $'\t'; else cat; fi
}

# _dk_logs_with_jq ARGS... (docker logs)
_dk_logs_with_jq() {
  # The docker-logs-broken fault: the json-file log is damaged part way (a disk that filled up),
  # and docker prints the lines before the damage, then its error, and fails.
  if [ -r "$D/logs-broken" ]; then
    local out count
    out=$(_dk_log_lines "$@") || { printf '%s\n' "$out"; return 1; }
    count=$(printf '%s\n' "$out" | wc -l)
    printf '%s\n' "$out" | head -n $((count * 6 / 10))
    echo "error from daemon in stream: Error grabbing logs: invalid character '\\x00' looking for beginning of value" >&2
    return 1
  fi
  _dk_log_lines "$@"
}

# _dk_log_lines ARGS...: what `docker logs` prints for a container whose log is whole.
_dk_log_lines() {
  local tail='all' since='' ts=0 q=''
  while [ $# -gt 0 ]; do
    case "$1" in
      -n | --tail) tail="$2"; shift ;;
      --tail=*) tail="${1#--tail=}" ;;
      --since) since="$2"; shift ;;
      --since=*) since="${1#--since=}" ;;
      -t | --timestamps) ts=1 ;;
      -f | --follow | --details) ;;
      *) q="$1" ;;
    esac
    shift
  done
  if ! _dk_find_container "$q"; then _dk_no_such "$q"; return 1; fi
  local name="$REPLY" lines=2000
  [ -r "$D/log-lines" ] && read -r lines <"$D/log-lines"
  # The logs-key and logs-base64 faults: a private key and a base64-wrapped env file the process
  # printed raw to stdout, ending 3 lines before the end.
  local key='[]'
  [ -r "$D/log-key" ] && key=$(cat "$D/log-key")
  # Deterministic per container: lines are derived from the line number, the org slug and
  # whether the container holds the CP shared secret (without it, provisioning fails with 401).
  jq -r --arg tail "$tail" --arg since "$since" --argjson ts "$ts" --argjson n "$lines" --argjson key "$key" '
    (.Config.Env | map(split("=")) | map({(.[0]): (.[1:] | join("="))}) | add // {}) as $env
    | ($env.ORG_SLUG // "unknown") as $slug
    | ($env | has("MOLECULE_CP_SHARED_SECRET")) as $migrated
    | (now | floor) as $tend
    | (if $since == "" then 0
       else ([$since | capture("^(?<v>[0-9]+)(?<u>[smh]?)$")] | if length > 0 then .[0] | ($tend - ((.v | tonumber) * ({"": 1, s: 1, m: 60, h: 3600}[.u]))) else ($since | sub("\\.[0-9]+"; "") | fromdateiso8601? // 0) end) end) as $from
    | range(0; $n) as $i
    | ($tend - ($n - $i) * 2) as $t
    | select($t >= $from)
    | (if $i % 97 == 0 then
         (if $migrated then "level=INFO msg=\"workspace provisioned\" org=\($slug) cp_status=201" else "level=ERROR msg=\"workspace provision failed\" org=\($slug) cp_status=401 error=\"unauthorized\"" end)
       elif $i % 13 == 0 then "level=INFO msg=\"scheduler tick\" org=\($slug) queued=\($i % 7) running=\($i % 3)"
       elif $i % 5 == 0 then "level=DEBUG msg=\"canvas asset served\" path=/assets/app-\($i % 11).js bytes=\(1000 + $i)"
       else "level=INFO msg=\"request\" method=GET path=/health status=200 duration_ms=\($i % 9)" end) as $msg
    | ($n - $i) as $back
    | (if $ts == 1 then ($t | todate | sub("Z$"; ".000000000Z")) + " " else "" end)
      + (if $back > 3 and $back <= ($key | length) + 3 then $key[($key | length) + 3 - $back]
         else "time=" + ($t | todate) + " " + $msg end)
  ' "$C/$name.json" | if [ "$tail" = all ]; then cat; else tail -n "$tail"; fi
}
