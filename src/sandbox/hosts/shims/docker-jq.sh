# shellcheck shell=bash
# Sourced by the docker shim for the forms no migration uses on its hot path: `ps` tables and
# templates, `inspect --format` templates beyond the shim's own renderer, and `logs`. They render
# from the docker-inspect JSON with jq, one jq start per call.

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

# inspect_format_with_jq TEMPLATE NAME...
inspect_format_with_jq() {
  local format="$1" files=() name
  shift
  for name in "$@"; do files+=("$C/$name.json"); done
  [ "${#files[@]}" -gt 0 ] && jq -r --arg t "$format" "$JQ_RENDER"' render($t)' "${files[@]}"
}

# ps_with_jq FORMAT NAME...
ps_with_jq() {
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

# logs_with_jq ARGS... (docker logs)
logs_with_jq() {
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
  if ! find_container "$q"; then no_such "$q"; return 1; fi
  local name="$REPLY" lines=2000
  [ -r "$D/log-lines" ] && read -r lines <"$D/log-lines"
  # Deterministic per container: lines are derived from the line number, the org slug and
  # whether the container holds the CP shared secret (without it, provisioning fails with 401).
  jq -r --arg tail "$tail" --arg since "$since" --argjson ts "$ts" --argjson n "$lines" '
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
    | (if $ts == 1 then ($t | todate | sub("Z$"; ".000000000Z")) + " " else "" end) + "time=" + ($t | todate) + " " + $msg
  ' "$C/$name.json" | if [ "$tail" = all ]; then cat; else tail -n "$tail"; fi
}
