#!/usr/bin/env bash
# Independent protocol peers for the tests: liblo's oscsend/oscdump and libzmq for a C client.
set -euo pipefail
need=()
command -v oscsend >/dev/null 2>&1 || need+=(liblo-tools)
[ -f /usr/include/zmq.h ] || need+=(libzmq3-dev)
command -v cc >/dev/null 2>&1 || need+=(gcc)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${need[*]}" >&2
apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
