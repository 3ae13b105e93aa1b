#!/usr/bin/env bash
# Runs a command as on a machine without redis-server: each PATH directory that has one is replaced by a copy
# of it (symlinks) without the redis-* programs. CI runs `npm test` this way once, so the no-Redis path stays green.
set -euo pipefail
shadows=()
path=""
IFS=: read -r -a directories <<< "$PATH"
for directory in "${directories[@]}"; do
	if [ -e "$directory/redis-server" ]; then
		shadow=$(mktemp -d)
		shadows+=("$shadow")
		for file in "$directory"/*; do
			case "$(basename "$file")" in redis-*) ;; *) ln -s "$file" "$shadow/" ;; esac
		done
		directory=$shadow
	fi
	path=${path:+$path:}$directory
done
cleanup() { rm -rf "${shadows[@]}"; }
trap cleanup EXIT
if PATH=$path command -v redis-server >/dev/null; then
	echo "could not hide redis-server" >&2
	exit 1
fi
PATH=$path REQUIRE_REDIS_SERVER=0 "$@"
