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
  REPLY="[$out]"
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
  _dk_json_restart_policy; j+="\"RestartPolicy\":$REPLY,\"AutoRemove\":false},"
  _dk_json_mounts; j+="\"Mounts\":$REPLY,"
  _dk_json_q "$S_HOSTNAME"; j+="\"Config\":{\"Hostname\":$REPLY,"
  _dk_json_list "${S_ENV[@]+"${S_ENV[@]}"}"; j+="\"Env\":$REPLY,"
  _dk_json_cmd; j+="\"Cmd\":$REPLY,"
  _dk_json_q "$S_IMAGE"; j+="\"Image\":$REPLY,"
  _dk_json_labels; j+="\"Labels\":$REPLY,"
  _dk_json_exposed_ports; j+="\"ExposedPorts\":$REPLY},"
  j+="\"NetworkSettings\":{\"Networks\":{$net:{}}}}"
  REPLY="$j"
}
