#!/bin/sh
# The image's entry point: turns secrets mounted as files into the environment variables Parley
# reads, then runs `parley` with the container's arguments (serve, auth serve, token, ...).
#
# For every variable NAME_FILE=/path, NAME is set to the file's content (trailing newlines
# dropped) and NAME_FILE is removed, the convention of the official database images:
#   ParleyAuth__OperatorToken_FILE=/run/secrets/operator_token
#   Parley__Directory__Token_FILE=/run/secrets/operator_token
#   PGPASSWORD_FILE=/run/secrets/postgres_password    (Npgsql's password when the connection string has none)
# A secret thus never needs to sit in the compose file, the image or `podman inspect`.
# Setting both NAME and NAME_FILE is refused: which one wins would be a guess.
set -eu

for entry in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)_FILE=.*/\1/p'); do
  eval "file=\${${entry}_FILE}"
  if eval "[ -n \"\${${entry}+set}\" ]"; then
    echo "parley: both $entry and ${entry}_FILE are set; set one of them." >&2
    exit 2
  fi
  if [ ! -r "$file" ]; then
    echo "parley: ${entry}_FILE names $file, which cannot be read." >&2
    exit 2
  fi
  value="$(cat "$file")"
  export "$entry=$value"
  unset "${entry}_FILE"
done

exec /app/parley "$@"
