#!/bin/sh
# As the official redis image: `redis-server ARGS` runs the server reachable from the project's
# network (the official image builds Redis with protected mode off; Debian's has it on), and any
# other command runs as given.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  exec redis-server --protected-mode no "$@"
fi
exec "$@"
