# shellcheck shell=bash
# Sourced by the docker shim (shims/docker) when a container's JSON needs escaping (a value holds
# a quote, a backslash or a control character) and by docker-extra.sh's --format renderer: JSON
# for one value or field at a time. Definitions only, all named _dk_*, as in the shim itself.

# _dk_json_q STRING -> REPLY: the string as a JSON literal.
_dk_json_q() {
  local s="$1"
  # Most values need no escaping: one test instead of five substitutions.
  if [[ "$s" != *[\\\"[:cntrl:]]* ]]; then REPLY="\"$s\""; return; fi
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  if [[ "$s" == *[$'\001'-$'\037']* ]]; then
    local out='' ch i
    for ((i = 0; i < ${#s}; i++)); do
      ch="${s:i:1}"
      if [[ "$ch" == [$'\001'-$'\037'] ]]; then printf -v ch '\\u%04x' "'$ch"; fi
      out+="$ch"
    done
    s="$out"
  fi
  REPLY="\"$s\""
}

# _dk_json_list ITEM... -> REPLY: a JSON array of strings.
_dk_json_list() {
  local out='' sep='' item
  for item in "$@"; do _dk_json_q "$item"; out+="$sep$REPLY"; sep=','; done
  REPLY="[$out]"
}

# Field values as JSON, shared by _dk_render_json and the --format renderer.
_dk_json_state() {
  local running=false
  [ "$S_STATUS" = running ] && running=true
  _dk_json_q "$S_STATUS"; local st="$REPLY"
  _dk_json_q "$S_ERROR"; local er="$REPLY"
  _dk_json_q "$S_STARTED"; local sa="$REPLY"
  _dk_json_q "$S_FINISHED"
  REPLY="{\"Status\":$st,\"Running\":$running,\"Paused\":false,\"Restarting\":false,\"OOMKilled\":false,\"Dead\":false,\"Pid\":$S_PID,\"ExitCode\":$S_EXIT,\"Error\":$er,\"StartedAt\":$sa,\"FinishedAt\":$REPLY}"
}
_dk_json_binds() { if [ "${#S_BINDS[@]}" -eq 0 ]; then REPLY=null; else _dk_json_list "${S_BINDS[@]}"; fi; }
_dk_json_cmd() { if [ "${#S_CMD[@]}" -eq 0 ]; then REPLY=null; else _dk_json_list "${S_CMD[@]}"; fi; }
_dk_json_port_bindings() {
  local out='' sep='' p
  for p in "${S_PORTS[@]+"${S_PORTS[@]}"}"; do
    _dk_json_q "${p#* }"; out+="$sep$REPLY:[{\"HostIp\":\"\",\"HostPort\":"
    _dk_json_q "${p%% *}"; out+="$REPLY}]"; sep=','
  done
  REPLY="{$out}"
}
_dk_json_exposed_ports() {
  local out='' sep='' p
  for p in "${S_PORTS[@]+"${S_PORTS[@]}"}"; do _dk_json_q "${p#* }"; out+="$sep$REPLY:{}"; sep=','; done
  REPLY="{$out}"
}
_dk_json_labels() {
  local out='' sep='' l
  for l in "${S_LABELS[@]+"${S_LABELS[@]}"}"; do
    _dk_json_q "${l%%=*}"; out+="$sep$REPLY:"
    if [[ "$l" == *=* ]]; then _dk_json_q "${l#*=}"; else REPLY='""'; fi
    out+="$REPLY"; sep=','
  done
  REPLY="{$out}"
}
_dk_json_mounts() {
  local out='' sep='' b src dst mode rw
  for b in "${S_BINDS[@]+"${S_BINDS[@]}"}"; do
    IFS=: read -r src dst mode <<<"$b"
    rw=true; [ "$mode" = ro ] && rw=false
    _dk_json_q "$src"; local s="$REPLY"
    _dk_json_q "$dst"; local d="$REPLY"
    _dk_json_q "$mode"
    out+="$sep{\"Type\":\"bind\",\"Source\":$s,\"Destination\":$d,\"Mode\":$REPLY,\"RW\":$rw,\"Propagation\":\"rprivate\"}"; sep=','
  done
  out+="${S_MOUNTX:-}"
  REPLY="[${out#,}]"
}
_dk_json_restart_policy() { _dk_json_q "$S_RESTART"; REPLY="{\"Name\":$REPLY,\"MaximumRetryCount\":$S_RESTART_MAX}"; }
_dk_json_path_args() { # -> REPLY (Path) and ARGS_JSON (Args)
  if [ "${#S_CMD[@]}" -gt 0 ]; then
    _dk_json_list "${S_CMD[@]:1}"; ARGS_JSON="$REPLY"
    _dk_json_q "${S_CMD[0]}"
  else
    ARGS_JSON='["serve"]'
    REPLY='"/usr/local/bin/entrypoint.sh"'
  fi
}

# The same object for values that need escaping: each string through _dk_json_q.
_dk_render_json_escaped() {
  local j='{' ARGS_JSON
  _dk_json_q "$S_ID"; j+="\"Id\":$REPLY,"
  _dk_json_q "$S_CREATED"; j+="\"Created\":$REPLY,"
  _dk_json_path_args; j+="\"Path\":$REPLY,\"Args\":$ARGS_JSON,"
  _dk_json_state; j+="\"State\":$REPLY,"
  _dk_json_q "$S_IMAGE_ID"; j+="\"Image\":$REPLY,"
  _dk_json_q "/$S_NAME"; j+="\"Name\":$REPLY,\"RestartCount\":0,"
  _dk_json_binds; j+="\"HostConfig\":{\"Binds\":$REPLY,"
  _dk_json_q "$S_NETWORK"; local net="$REPLY"; j+="\"NetworkMode\":$net,"
  _dk_json_port_bindings; j+="\"PortBindings\":$REPLY,"
  _dk_json_restart_policy; j+="\"RestartPolicy\":$REPLY,\"AutoRemove\":false${S_HOSTX:-}},"
  _dk_json_mounts; j+="\"Mounts\":$REPLY,"
  _dk_json_q "$S_HOSTNAME"; j+="\"Config\":{\"Hostname\":$REPLY,"
  _dk_json_list "${S_ENV[@]+"${S_ENV[@]}"}"; j+="\"Env\":$REPLY,"
  _dk_json_cmd; j+="\"Cmd\":$REPLY,"
  _dk_json_q "$S_IMAGE"; j+="\"Image\":$REPLY,"
  _dk_json_labels; j+="\"Labels\":$REPLY,"
  _dk_json_exposed_ports; j+="\"ExposedPorts\":$REPLY${S_CONFIGX:-}},"
  j+="\"NetworkSettings\":{\"Networks\":{$net:{${S_NETX:-}}}}}"
  REPLY="$j"
}

# _dk_run_extras FLAG VALUE ...: the `docker run` settings that only some containers have, as
# the JSON members real `docker inspect` shows for them: S_HOSTX (in HostConfig, after
# AutoRemove), S_CONFIGX (in Config, after ExposedPorts) and S_NETX (in the network's object).
# Members come in one fixed order whatever the order of the flags, the order initial-container.ts
# writes them in, so a container reads the same whichever side wrote it. 1 (docker's message
# printed) for a value docker would refuse.
_dk_run_extras() {
  local entry='' capadd=() capdrop=() dns=() dnsopt=() dnssearch=() hosts=() logdriver='' logopts=() memory=0 swap=0
  local nanocpus=0 tmpfs=() ulimits=() aliases=() privileged=false nohealth=0 hcmd='' hint=0 htimeout=0 hstart=0 hretries=0
  local stopsignal='' flag value name soft hard out sep devices=() secopts=() sysctls=() mounts=() pidmode=''
  while [ $# -ge 2 ]; do
    flag="$1" value="$2"
    shift 2
    case "$flag" in
      --entrypoint) entry="$value" ;;
      --cap-add) capadd+=("$value") ;;
      --cap-drop) capdrop+=("$value") ;;
      --dns) dns+=("$value") ;;
      --dns-option) dnsopt+=("$value") ;;
      --dns-search) dnssearch+=("$value") ;;
      --add-host) hosts+=("$value") ;;
      --log-driver) logdriver="$value" ;;
      --log-opt) logopts+=("$value") ;;
      --memory | -m) _dk_bytes "$value" || return 1; memory="$REPLY" ;;
      --memory-swap) if [ "$value" = -1 ]; then swap=-1; else _dk_bytes "$value" || return 1; swap="$REPLY"; fi ;;
      --cpus) _dk_nanos "$value" || return 1; nanocpus="$REPLY" ;;
      --tmpfs) tmpfs+=("$value") ;;
      --ulimit) ulimits+=("$value") ;;
      --network-alias) aliases+=("$value") ;;
      privileged) privileged=true ;;
      no-healthcheck) nohealth=1 ;;
      --health-cmd) hcmd="$value" ;;
      --health-interval) _dk_duration "$value" || return 1; hint="$REPLY" ;;
      --health-timeout) _dk_duration "$value" || return 1; htimeout="$REPLY" ;;
      --health-start-period) _dk_duration "$value" || return 1; hstart="$REPLY" ;;
      --health-retries) hretries="$value" ;;
      --stop-signal) stopsignal="$value" ;;
      --device) devices+=("$value") ;;
      --security-opt) secopts+=("$value") ;;
      --sysctl) sysctls+=("$value") ;;
      --mount) mounts+=("$value") ;;
      --pid) pidmode="$value" ;;
    esac
  done
  # The daemon gives a memory limit without a swap limit twice as much memory+swap.
  [ "$memory" = 0 ] || [ "$swap" != 0 ] || swap=$((memory * 2))
  out=''
  if [ "${#capadd[@]}" -gt 0 ]; then _dk_json_list "${capadd[@]}"; out+=",\"CapAdd\":$REPLY"; fi
  if [ "${#capdrop[@]}" -gt 0 ]; then _dk_json_list "${capdrop[@]}"; out+=",\"CapDrop\":$REPLY"; fi
  if [ "${#dns[@]}" -gt 0 ]; then _dk_json_list "${dns[@]}"; out+=",\"Dns\":$REPLY"; fi
  if [ "${#dnsopt[@]}" -gt 0 ]; then _dk_json_list "${dnsopt[@]}"; out+=",\"DnsOptions\":$REPLY"; fi
  if [ "${#dnssearch[@]}" -gt 0 ]; then _dk_json_list "${dnssearch[@]}"; out+=",\"DnsSearch\":$REPLY"; fi
  if [ "${#hosts[@]}" -gt 0 ]; then _dk_json_list "${hosts[@]}"; out+=",\"ExtraHosts\":$REPLY"; fi
  [ "$privileged" = false ] || out+=',"Privileged":true'
  [ "$memory" = 0 ] || out+=",\"Memory\":$memory,\"MemorySwap\":$swap"
  [ "$nanocpus" = 0 ] || out+=",\"NanoCpus\":$nanocpus"
  if [ -n "$logdriver" ] || [ "${#logopts[@]}" -gt 0 ]; then
    _dk_json_q "${logdriver:-json-file}"; out+=",\"LogConfig\":{\"Type\":$REPLY,\"Config\":{"
    sep=''
    for value in "${logopts[@]+"${logopts[@]}"}"; do
      _dk_json_q "${value%%=*}"; out+="$sep$REPLY:"; _dk_json_q "${value#*=}"; out+="$REPLY"; sep=','
    done
    out+='}}'
  fi
  if [ "${#tmpfs[@]}" -gt 0 ]; then
    out+=',"Tmpfs":{'; sep=''
    for value in "${tmpfs[@]}"; do
      _dk_json_q "${value%%:*}"; out+="$sep$REPLY:"
      if [[ "$value" == *:* ]]; then _dk_json_q "${value#*:}"; else REPLY='""'; fi
      out+="$REPLY"; sep=','
    done
    out+='}'
  fi
  if [ "${#ulimits[@]}" -gt 0 ]; then
    out+=',"Ulimits":['; sep=''
    for value in "${ulimits[@]}"; do
      name="${value%%=*}" soft="${value#*=}"; hard="${soft#*:}"; soft="${soft%%:*}"
      _dk_json_q "$name"; out+="$sep{\"Name\":$REPLY,\"Hard\":$hard,\"Soft\":$soft}"; sep=','
    done
    out+=']'
  fi
  local parts src dst perms
  if [ "${#devices[@]}" -gt 0 ]; then
    # As docker's parseDevice reads <host>[:<container>][:<permissions>].
    out+=',"Devices":['; sep=''
    for value in "${devices[@]}"; do
      IFS=: read -r -a parts <<<"$value"
      src="${parts[0]}" dst='' perms=rwm
      if [ "${#parts[@]}" -ge 2 ]; then
        if [[ "${parts[1]}" =~ ^[rwm]{1,3}$ ]]; then perms="${parts[1]}"; else dst="${parts[1]}"; fi
      fi
      [ "${#parts[@]}" -lt 3 ] || perms="${parts[2]}"
      _dk_json_q "$src"; out+="$sep{\"PathOnHost\":$REPLY,"
      _dk_json_q "${dst:-$src}"; out+="\"PathInContainer\":$REPLY,"
      _dk_json_q "$perms"; out+="\"CgroupPermissions\":$REPLY}"; sep=','
    done
    out+=']'
  fi
  if [ "${#secopts[@]}" -gt 0 ]; then _dk_json_list "${secopts[@]}"; out+=",\"SecurityOpt\":$REPLY"; fi
  if [ "${#sysctls[@]}" -gt 0 ]; then
    out+=',"Sysctls":{'; sep=''
    for value in "${sysctls[@]}"; do
      _dk_json_q "${value%%=*}"; out+="$sep$REPLY:"; _dk_json_q "${value#*=}"; out+="$REPLY"; sep=','
    done
    out+='}'
  fi
  S_MOUNTX=''
  if [ "${#mounts[@]}" -gt 0 ]; then
    # --mount's CSV, simple fields only (type, source, target, readonly), as docker keeps them in
    # HostConfig.Mounts and lists them again among the container's mount points (S_MOUNTX).
    local type field key ro js jd
    out+=',"Mounts":['; sep=''
    for value in "${mounts[@]}"; do
      type=volume src='' dst='' ro=false
      IFS=, read -r -a parts <<<"$value"
      for field in "${parts[@]}"; do
        key="${field%%=*}"
        case "$key" in
          type) type="${field#*=}" ;;
          source | src) src="${field#*=}" ;;
          target | destination | dst) dst="${field#*=}" ;;
          readonly | ro) [ "$field" = "$key" ] || [ "${field#*=}" = true ] || [ "${field#*=}" = 1 ] && ro=true ;;
          *) echo "docker: invalid argument \"$value\" for \"--mount\" flag: the sandbox simulates only type, source, target and readonly" >&2; return 1 ;;
        esac
      done
      if [ -z "$dst" ] || { [ "$type" != bind ] && [ "$type" != volume ]; }; then
        echo "docker: invalid argument \"$value\" for \"--mount\" flag: target is required (types bind and volume only)" >&2
        return 1
      fi
      _dk_json_q "$type"; out+="$sep{\"Type\":$REPLY,"
      _dk_json_q "$src"; js="$REPLY"; out+="\"Source\":$js,"
      _dk_json_q "$dst"; jd="$REPLY"; out+="\"Target\":$jd"
      [ "$ro" = false ] || out+=',"ReadOnly":true'
      out+='}'; sep=','
      local rw=true; [ "$ro" = false ] || rw=false
      if [ "$type" = bind ]; then
        S_MOUNTX+=",{\"Type\":\"bind\",\"Source\":$js,\"Destination\":$jd,\"Mode\":\"\",\"RW\":$rw,\"Propagation\":\"rprivate\"}"
      else
        _dk_json_q "/var/lib/docker/volumes/$src/_data"
        S_MOUNTX+=",{\"Type\":\"volume\",\"Name\":$js,\"Source\":$REPLY,\"Destination\":$jd,\"Driver\":\"local\",\"Mode\":\"z\",\"RW\":$rw,\"Propagation\":\"\"}"
      fi
    done
    out+=']'
  fi
  if [ -n "$pidmode" ]; then _dk_json_q "$pidmode"; out+=",\"PidMode\":$REPLY"; fi
  S_HOSTX="$out"
  out=''
  if [ -n "$entry" ]; then _dk_json_list "$entry"; out+=",\"Entrypoint\":$REPLY"; fi
  if [ "$nohealth" = 1 ]; then
    out+=',"Healthcheck":{"Test":["NONE"]}'
  elif [ -n "$hcmd$hretries" ] || [ "$hint$htimeout$hstart" != 000 ]; then
    out+=',"Healthcheck":{'; sep=''
    if [ -n "$hcmd" ]; then _dk_json_list CMD-SHELL "$hcmd"; out+="\"Test\":$REPLY"; sep=','; fi
    [ "$hint" = 0 ] || { out+="$sep\"Interval\":$hint"; sep=','; }
    [ "$htimeout" = 0 ] || { out+="$sep\"Timeout\":$htimeout"; sep=','; }
    [ "$hstart" = 0 ] || { out+="$sep\"StartPeriod\":$hstart"; sep=','; }
    [ "$hretries" = 0 ] || out+="$sep\"Retries\":$hretries"
    out+='}'
  fi
  if [ -n "$stopsignal" ]; then _dk_json_q "$stopsignal"; out+=",\"StopSignal\":$REPLY"; fi
  S_CONFIGX="$out"
  S_NETX=''
  if [ "${#aliases[@]}" -gt 0 ]; then _dk_json_list "${aliases[@]}"; S_NETX="\"Aliases\":$REPLY"; fi
}

# _dk_bytes 512m -> REPLY=536870912, as docker reads a memory size (b, k, m, g; binary units).
_dk_bytes() {
  local v="${1,,}" n unit
  v="${v%b}"
  if [[ "$v" =~ ^([0-9]+)([kmg]?)$ ]]; then
    n="${BASH_REMATCH[1]}" unit="${BASH_REMATCH[2]}"
    case "$unit" in k) n=$((n * 1024)) ;; m) n=$((n * 1048576)) ;; g) n=$((n * 1073741824)) ;; esac
    REPLY="$n"
    return 0
  fi
  echo "docker: invalid argument \"$1\" for \"-m, --memory\" flag: invalid size: '$1'." >&2
  return 1
}

# _dk_nanos 1.5 -> REPLY=1500000000: --cpus as NanoCpus.
_dk_nanos() {
  local whole="${1%%.*}" frac=''
  [[ "$1" == *.* ]] && frac="${1#*.}"
  if [[ "$whole$frac" =~ ^[0-9]+$ ]] && [ "${#frac}" -le 9 ]; then
    frac="${frac}000000000"
    REPLY=$((10#${whole:-0} * 1000000000 + 10#${frac:0:9}))
    return 0
  fi
  echo "docker: invalid argument \"$1\" for \"--cpus\" flag: failed to parse $1 as a rational number." >&2
  return 1
}

# _dk_duration 1m30s -> REPLY=90000000000: a Go duration (integer parts) in nanoseconds.
_dk_duration() {
  local rest="$1" total=0 n
  while [[ "$rest" =~ ^([0-9]+)(ns|us|ms|s|m|h)(.*)$ ]]; do
    n="${BASH_REMATCH[1]}" rest="${BASH_REMATCH[3]}"
    case "${BASH_REMATCH[2]}" in
      ns) total=$((total + n)) ;; us) total=$((total + n * 1000)) ;; ms) total=$((total + n * 1000000)) ;;
      s) total=$((total + n * 1000000000)) ;; m) total=$((total + n * 60000000000)) ;; h) total=$((total + n * 3600000000000)) ;;
    esac
  done
  if [ -z "$rest" ] && [ "$1" != '' ]; then REPLY="$total"; return 0; fi
  echo "docker: invalid argument \"$1\" for \"--health-interval\" flag: time: invalid duration \"$1\"." >&2
  return 1
}
