#!/bin/bash
# layers.sh: the include graph of libkvae's subsystems and the programs,
# and the check that every include points down the layer order.
#
# Reads the #include "..." lines of lib/*/*.{c,h} and cmd/**/*.{c,h},
# prints one line per edge between two parts of the tree with the number
# of include lines behind it ("vae -> nn  7"), lowest layer first, and
# exits 1 after naming FILE:LINE of every include that points upward.
# The layers, lowest first (a part may include only those before it):
#
#   core dist stream linalg lgssm nn media vae ssim mefilter mek | cmd/common | cmd
#
# cmd/common is the programs' shared glue, cmd the programs themselves;
# nothing in lib/ includes cmd/. A lib/ folder missing from this order is
# an error too: place it in the order here when you add one.
#
# Usage: tests/tools/layers.sh [ROOT]   (default: the tree this script is in)
# Exit: 0 all includes point down, 1 some do not, 2 usage error.
set -euo pipefail
shopt -s nullglob globstar

order=(core dist stream linalg lgssm nn media vae ssim mefilter mek cmd/common cmd)

if [ $# -gt 1 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	echo "usage: layers.sh [ROOT]" >&2
	exit 2
fi
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ ! -d "$root/lib" ]; then
	echo "layers.sh: $root: no lib/ folder" >&2
	exit 2
fi
cd "$root"

declare -A rank
for i in "${!order[@]}"; do
	rank[${order[$i]}]=$i
done

# part PATH: sets $PART to the layer a path (relative to root) belongs
# to, or "" for none (outside lib/ and cmd/).
part() {
	case $1 in
	lib/*/*) PART=${1#lib/}; PART=${PART%%/*} ;;
	cmd/common/*) PART=cmd/common ;;
	cmd/*) PART=cmd ;;
	*) PART="" ;;
	esac
}

# normal PATH: sets $NORMAL to PATH without "." and "dir/.." steps.
normal() {
	local IFS=/ s out=() steps
	read -ra steps <<<"$1"
	for s in "${steps[@]}"; do
		case $s in
		. | "") ;;
		..) if [ ${#out[@]} -gt 0 ] && [ "${out[-1]}" != .. ]; then
			unset 'out[-1]'; else out+=(..); fi ;;
		*) out+=("$s") ;;
		esac
	done
	NORMAL="${out[*]}"
}

# resolve FILE INCLUDE: sets $TARGET to the included file's path
# relative to root, as the compiler finds it: beside FILE first, then
# -Ilib, then -Icmd. An include of a file that is not there is placed by
# its first folder; "" when that names no layer.
resolve() {
	local dir=${1%/*} inc=$2 c
	for c in "$dir/$inc" "lib/$inc" "cmd/$inc"; do
		if [ -f "$c" ]; then
			normal "$c"
			TARGET=$NORMAL
			return
		fi
	done
	TARGET=""
	case ${inc%%/*} in
	"") ;;
	common) TARGET="cmd/$inc" ;;
	*) if [ -n "${rank[${inc%%/*}]:-}" ]; then TARGET="lib/$inc"; fi ;;
	esac
}

files=(lib/*/*.c lib/*/*.h cmd/**/*.c cmd/**/*.h)
bad=0
declare -A edges

for d in lib/*/; do
	d=${d%/}
	if [ -z "${rank[${d#lib/}]:-}" ]; then
		echo "layers.sh: $d: not in the layer order (edit tests/tools/layers.sh)" >&2
		bad=$((bad + 1))
	fi
done

[ ${#files[@]} -gt 0 ] || { echo "layers.sh: no sources under $root" >&2; exit 1; }

while IFS=$'\t' read -r file line inc; do
	part "$file"; from=$PART
	resolve "$file" "$inc"; target=$TARGET
	if [ -z "$target" ]; then
		echo "layers.sh: $file:$line: \"$inc\" not found; not counted" >&2
		continue
	fi
	part "$target"; to=$PART
	if [ -z "$to" ]; then
		echo "layers.sh: $file:$line: includes \"$inc\", outside lib/ and cmd/" >&2
		bad=$((bad + 1))
		continue
	fi
	[ "$from" = "$to" ] && continue
	edges["$from $to"]=$((${edges["$from $to"]:-0} + 1))
	if [ -z "${rank[$from]:-}" ] || [ -z "${rank[$to]:-}" ]; then
		continue	# a folder outside the order: reported above
	fi
	if [ "${rank[$to]}" -gt "${rank[$from]}" ]; then
		if [ "${to%%/*}" = cmd ] && [ "${file%%/*}" = lib ]; then
			why="lib/ may not include cmd/"
		else
			why="$from may not include $to, a higher layer"
		fi
		echo "layers.sh: $file:$line: includes \"$inc\": $why" >&2
		bad=$((bad + 1))
	fi
done < <(awk '
	match($0, /^[ \t]*#[ \t]*include[ \t]*"[^"]+"/) {
		s = substr($0, RSTART, RLENGTH)
		sub(/^[^"]*"/, "", s); sub(/"$/, "", s)
		printf "%s\t%d\t%s\n", FILENAME, FNR, s
	}' "${files[@]}")

# The graph, lowest layer first, then by target layer.
for e in "${!edges[@]}"; do
	read -r from to <<<"$e"
	printf '%03d %03d %s %s %d\n' "${rank[$from]:-999}" "${rank[$to]:-999}" \
	    "$from" "$to" "${edges[$e]}"
done | sort | while read -r _ _ from to n; do
	printf '%-10s -> %-10s %4d\n' "$from" "$to" "$n"
done

if [ "$bad" -gt 0 ]; then
	echo "layers.sh: $bad finding(s) against the layer order" >&2
	exit 1
fi
