#!/usr/bin/env bats
# Every program has a man page, and the man page names every long option
# that --help lists (and the other way round), so the two stay in step.

load common

long_options() {	# the --long-option names in a text on stdin
	grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u
}

help_options() {	# options --help defines: "  -x, --long=ARG   text", up to the example
	"$1" --help | sed '/^Example/,$d' |
	    grep -E -- '^ {1,8}(-[A-Za-z0-9], )?--[a-z0-9]' |
	    sed -E 's/^ +//; s/   .*//' | long_options
}

man_options() {	# options a page defines: the tag line after each .TP
	sed 's/\\-/-/g; s/\\f[BIRP]//g' "$1" |
	    awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' | long_options
}

@test "man pages: every program has one, in step with --help" {
	local missing=()
	for prog in "$KVAE_BIN"/*; do
		name=$(basename "$prog")
		page=$KVAE_ROOT/man/man1/$name.1
		[ -f "$page" ] || { missing+=("$name: no man page"); continue; }
		help=$(help_options "$prog")
		man=$(man_options "$page")
		for o in $help; do
			grep -qx -- "$o" <<<"$man" || missing+=("$name: $o in --help, not in $name.1")
		done
		for o in $man; do
			grep -qx -- "$o" <<<"$help" || missing+=("$name: $o in $name.1, not in --help")
		done
	done
	printf '%s\n' "${missing[@]}"
	[ ${#missing[@]} -eq 0 ]
}

@test "man pages: render without warnings" {
	for page in "$KVAE_ROOT"/man/man*/*.[157]; do
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
		[ -z "$out" ] || { echo "$page: $out"; return 1; }
	done
}
