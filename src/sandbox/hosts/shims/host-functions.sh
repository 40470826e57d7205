# shellcheck shell=bash
# Host functions of the molectl sandbox (docs/sandbox.md): the shims as bash functions, defined in
# the bash that runs a host's script through BASH_ENV (create-host-runner.ts). A process start
# costs 3-7 ms of CPU on a small VM, a fork alone about as much, and the shims' own work well
# under a millisecond: bash resolves a function before PATH, so `docker ...` costs no process at
# all (docker, aws, curl, python3's forwarder, and mv/rm/chmod/cp for the forms a migration
# uses: run in the caller) or one fork (ss: its file sourced in a subshell). What each call
# does and answers is the shim file's (or the program's); the files stay first on PATH for
# everything that starts a program by path or through another program (env, timeout, xargs,
# sudo, a `docker exec`'s sh, a nested bash).
#
# Only the script's own bash gets them: BASH_ENV is unset here, before the script runs, so no
# program it starts sees it. host-assets.ts fills in the placeholders:
#   @SHIM_BIN@   the shims' bin dir, shell-quoted
#   @ARGV_LOG@   the argv recorder's log dir, shell-quoted, or '' when nothing is recorded
#   @PYTHON3@    1 when the host has a python3 (its shim is installed), else 0
#
# Invariants, so that a function call behaves as the program start it replaces:
#  - a call runs with the shell options, shopt settings and IFS that a started bash has, and
#    nothing it sets, defines or exits reaches the script: the in-caller shims keep every
#    variable local (the docker shim's globals are declared local by `docker` below), their
#    functions are named _dk_*, _aws_*, _curl_*, and they return instead of exiting;
#  - the python3 forwarder sends the caller's exported variables itself: /proc/<pid>/environ
#    shows what the script's bash started with, not what it exported since;
#  - with the recorder on, each call records the argv a program start would have shown.
unset BASH_ENV

__molectl_shim() { # <name> <arg>...: runs the shim file <name> in this subshell
  { set +abefkmtuvxCEPT -hB +o pipefail +o posix; } 2>/dev/null
  shopt -u nullglob failglob dotglob nocaseglob nocasematch globstar extglob expand_aliases lastpipe
  IFS=$' \t\n'
  if [ -n @ARGV_LOG@ ]; then printf '%s\0' "$@" >@ARGV_LOG@/"$EPOCHREALTIME.$BASHPID"; fi
  local __molectl_shim_file=@SHIM_BIN@/"$1"
  shift
  . "$__molectl_shim_file" "$@"
}

# docker, aws and curl run in the caller: their shim files are made for it (see the head of
# shims/docker). aws and curl are parsed on the first call, by the process that makes it
# (sourcing the file replaces the stub with its real _aws_main, _curl_main): ~0.3 ms each, for
# shims many scripts never call. The docker shim's core (132 lines, ~0.4 ms) is parsed here:
# nearly every host script calls docker, and its first calls are often `$(docker inspect ...)`,
# whose subshell would otherwise parse it again each time (a parsed shim does not make a fork
# dearer: measured 0.46 vs 0.49 ms). A call runs with the shell options, shopt settings and IFS
# a started bash would have, restoring the caller's after, and with `set -u` off: an unbound
# variable would end the script, not the call.
. @SHIM_BIN@/docker
_aws_main() { . @SHIM_BIN@/aws && _aws_main "$@"; }
_curl_main() { . @SHIM_BIN@/curl && _curl_main "$@"; }

# Called by docker, aws and curl below, which have reset the shell options under their own
# `local -`: the pipefail set here lasts until they return.
__molectl_in_process() { # <name> <main function> <arg>...: one call of a shim, in this shell
  local IFS=$' \t\n' __molectl_main=$2 __molectl_option __molectl_status __molectl_shopt=()
  if [ -n @ARGV_LOG@ ]; then printf '%s\0' "$1" "${@:3}" >@ARGV_LOG@/"$EPOCHREALTIME.$BASHPID"; fi
  shift 2
  # The shopt settings a started bash does not have: one look at BASHOPTS, and shopt -q only when
  # one of the rarer ones is on (a migration script sets lastpipe alone).
  case ":$BASHOPTS:" in
    *:nullglob:* | *:failglob:* | *:dotglob:* | *:nocaseglob:* | *:nocasematch:* | *:globstar:* | *:extglob:*)
      for __molectl_option in nullglob failglob dotglob nocaseglob nocasematch globstar extglob lastpipe; do
        if shopt -q "$__molectl_option"; then __molectl_shopt+=("$__molectl_option"); fi
      done
      ;;
    *:lastpipe:*) __molectl_shopt=(lastpipe) ;;
  esac
  if [ "${#__molectl_shopt[@]}" -gt 0 ]; then shopt -u "${__molectl_shopt[@]}"; fi
  set -o pipefail
  "$__molectl_main" "$@"
  __molectl_status=$?
  if [ "${#__molectl_shopt[@]}" -gt 0 ]; then shopt -s "${__molectl_shopt[@]}"; fi
  return "$__molectl_status"
}

# Each function first resets the shell options (xtrace included, so a traced script shows the
# call's line and nothing of the shim, as for a started program).
docker() {
  { local -; set +abefkmtuvxCEPT -hB +o posix; } 2>/dev/null
  # The docker shim's globals: local to the call (aws and curl keep all theirs local).
  local H D C SHIM_DIR DEFAULT_PATH_ENV OCI_ERROR REPLY sub ARGS_JSON FIELD_JSON JQ_RENDER \
    S_NAME S_ID S_CREATED S_IMAGE S_IMAGE_ID S_STATUS S_PID S_EXIT S_ERROR S_STARTED S_FINISHED \
    S_RESTART S_RESTART_MAX S_NETWORK S_HOSTNAME S_CMD S_BINDS S_PORTS S_LABELS S_ENV S_HOSTX S_CONFIGX S_NETX
  __molectl_in_process docker _dk_main "$@"
}
aws() {
  { local -; set +abefkmtuvxCEPT -hB +o posix; } 2>/dev/null
  __molectl_in_process aws _aws_main "$@"
}
curl() {
  { local -; set +abefkmtuvxCEPT -hB +o posix; } 2>/dev/null
  __molectl_in_process curl _curl_main "$@"
}
ss() (
  { set +abefkmtuvxCEPT -hB +o posix; } 2>/dev/null
  __molectl_shim ss "$@"
)

if [ @PYTHON3@ = 1 ]; then
  # The helper's port and token, read from sandbox.env on the first call after the helper has
  # announced them (it may still be starting when a script starts), then kept: it runs as long
  # as the sandbox does.
  __molectl_helper_port='' __molectl_helper_token=''
  __molectl_helper() {
    [ -z "$__molectl_helper_port" ] || return 0
    local REAL_CURL='' REAL_PYTHON='' PY_HELPER_PORT='' PY_HELPER_TOKEN=''
    . @SHIM_BIN@/../sandbox.env
    __molectl_helper_port=$PY_HELPER_PORT __molectl_helper_token=$PY_HELPER_TOKEN
    [ -n "$__molectl_helper_port" ]
  }

  # `python3 -c CODE [ARG...]` in a fork of the sandbox's warm interpreter (python-helper.py), as
  # the python3 shim does, from this process: no bash to start. Anything else, or a call the
  # helper refuses, runs the shim file (which starts the real python3).
  python3() {
    { local -; set +abefkmtuvxCEPT -hB +o posix; } 2>/dev/null
    local __fd='' __reply='' __fmt
    if [ -n @ARGV_LOG@ ]; then printf '%s\0' python3 "$@" >@ARGV_LOG@/"$EPOCHREALTIME.$BASHPID"; fi
    if [ "${1:-}" = -c ] && [ $# -ge 2 ] && __molectl_helper &&
      { exec {__fd}<>"/dev/tcp/127.0.0.1/$__molectl_helper_port"; } 2>/dev/null; then
      # The environment a started python3 would get: `export -p` lists the exported variables
      # that have a value, as bash passes them, in one builtin (a loop over all the shell's
      # variables costs ~1.7 ms a call); the helper parses it (parse_export_p) and sets `_`,
      # which bash sets to the program's path. A NUL ends it: no value can hold one.
      # Three writes: the header and the arguments in one (a format with one %s\0 per argument;
      # each write costs a loopback TCP send here and a wake-up of the helper), `export -p`, the
      # NUL. `>&$__fd` on a builtin makes fd 1 the socket for its duration, so the helper checks
      # that what it duplicates is not this connection. The read uses -u.
      printf -v __reply '%s %s %s p\n' "$__molectl_helper_token" "$BASHPID" "$#"
      printf -v __fmt '%*s' "$#" ''
      { printf "%s${__fmt// /%s\\0}" "$__reply" "$@"; export -p; printf '\0'; } >&"$__fd"
      __reply=''
      IFS= read -r -u "$__fd" __reply || :
      exec {__fd}<&-
      case "$__reply" in
        F) ;; # refused before running anything: the real interpreter runs it
        [0-9]*) return "$__reply" ;;
        *) echo "python3: the sandbox's python helper stopped during the call" >&2; return 1 ;;
      esac
    fi
    # The shim file, not a PATH lookup: with the recorder on, this call is recorded already.
    @SHIM_BIN@/python3 "$@"
  }

  # mv -f, rm -f, chmod NNN and cp -p on absolute paths: done by the same helper's main loop with
  # the system calls the program makes (python-helper.py, serve_file_operation), which refuses
  # any form or file it does not model; then, and for any other form, the real program runs. A
  # program start costs more than every other step of such a call. Only while PATH is still the
  # one the runner gave and the host has no program of that name of its own: else a start could
  # find another program.
  __molectl_path=$PATH
  __molectl_file_op() { # [s|l] <program> <arg>...: 0 when the helper did it, else 1 (nothing to undo)
    local IFS=$' \t\n' __fd='' __reply='' __form=x __fmt
    case $1 in s | l) __form=$1; shift ;; esac
    [ "$PATH" = "$__molectl_path" ] && [ ! -e "${MOLECTL_HOST_ROOT:-}/usr/local/bin/$1" ] || return 1
    __molectl_helper && { exec {__fd}<>"/dev/tcp/127.0.0.1/$__molectl_helper_port"; } 2>/dev/null || return 1
    printf -v __reply '%s %s %s %s\n' "$__molectl_helper_token" "$BASHPID" "$#" "$__form"
    # One write, header and arguments (a format with one %s\0 per argument): each write to the
    # socket costs a loopback TCP send here and a wake-up of the helper.
    printf -v __fmt '%*s' "$#" ''
    printf "%s${__fmt// /%s\\0}" "$__reply" "$@" >&"$__fd"
    __reply=''
    IFS= read -r -u "$__fd" __reply || :
    exec {__fd}<&-
    [ "$__reply" = 0 ] || return 1
    if [ -n @ARGV_LOG@ ]; then printf '%s\0' "$@" >@ARGV_LOG@/"$EPOCHREALTIME.$BASHPID"; fi
  }
  # The forms a host's scripts use; `command` starts the program for everything else (and for a
  # call the helper refused, which the recorder then sees as the program's start).
  mv() {
    { local -; set +abefkmtuvxCEPT -hB +o posix; } 2>/dev/null
    if [ $# = 3 ] && [ "$1" = -f ] && __molectl_file_op mv "$@"; then return 0; fi
    command mv "$@"
  }
  rm() {
    { local -; set +abefkmtuvxCEPT -hB +o posix; } 2>/dev/null
    if [ $# -ge 2 ] && [ "$1" = -f ] && __molectl_file_op rm "$@"; then return 0; fi
    command rm "$@"
  }
  chmod() {
    { local -; set +abefkmtuvxCEPT -hB +o posix; } 2>/dev/null
    if [ $# = 2 ] && __molectl_file_op chmod "$@"; then return 0; fi
    command chmod "$@"
  }
  cp() {
    { local -; set +abefkmtuvxCEPT -hB +o posix; } 2>/dev/null
    if [ $# = 3 ] && [ "$1" = -p ] && __molectl_file_op cp "$@"; then return 0; fi
    command cp "$@"
  }
  # sha256sum of stdin: the helper reads the caller's stdin (once its writer is done) and writes
  # the line to its stdout (python-helper.py, serve_digest).
  sha256sum() {
    { local -; set +abefkmtuvxCEPT -hB +o posix; } 2>/dev/null
    if [ $# = 0 ] && __molectl_file_op s sha256sum; then return 0; fi
    command sha256sum "$@"
  }
  # `flock -n FD` and `flock -w SECONDS FD` on an fd the script opened (lock_host): the helper
  # takes the lock on the caller's own open file description (python-helper.py, serve_lock). A
  # flock lock belongs to the description, so it stays with the script's fd until the script
  # closes it or ends, as the program's does. Only a lock granted at once: one held elsewhere is
  # refused, and the program runs to wait or fail with its own messages and status. Defined only
  # when the host has the program, so `command -v flock` still tells the truth.
  if hash flock 2>/dev/null; then
    flock() {
      { local -; set +abefkmtuvxCEPT -hB +o posix; } 2>/dev/null
      if { [ $# = 2 ] && [ "$1" = -n ]; } || { [ $# = 3 ] && [ "$1" = -w ]; }; then
        if __molectl_file_op l flock "$@"; then return 0; fi
      fi
      command flock "$@"
    }
  fi
fi

# The old-bash fault (docs/sandbox.md): the host's bash is 4.2 (Amazon Linux 2), whose builtins
# lack options later versions added. Only what a function can stand in for is modelled: these
# builtins' options, refused with bash 4.2's own words and status. Syntax of later versions
# (`${x@Q}`, `local -n`) is not; test/sandbox/hosts/bash-42.test.ts reads the scripts for it.
if [ -e "${MOLECTL_HOST_ROOT:-}/etc/molectl-sandbox/bash-4.2" ]; then
  __molectl_bash42_refuse() { # <builtin> <allowed option letters> <arg>...
    local name=$1 allowed=$2 arg
    shift 2
    for arg in "$@"; do
      case "$arg" in
        --) break ;;
        -[a-zA-Z]*)
          arg=${arg#-}
          while [[ $arg == [a-zA-Z]* ]]; do
            [[ ${arg:0:1} == ["$allowed"] ]] || {
              printf 'bash: %s: -%s: invalid option\n' "$name" "${arg:0:1}" >&2
              printf '%s: usage: %s [-n count] [-O origin] [-s count] [-t] [-u fd] [-C callback] [-c quantum] [array]\n' "$name" "$name" >&2
              return 2
            }
            arg=${arg:1}
          done ;;
      esac
    done
    return 0
  }
  mapfile() { __molectl_bash42_refuse mapfile nOstuCc "$@" || return 2; builtin mapfile "$@"; }
  readarray() { __molectl_bash42_refuse readarray nOstuCc "$@" || return 2; builtin readarray "$@"; }
fi
