#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# The include graph follows the layer order (tests/tools/layers.sh):
# core, dist, stream, linalg, lgssm, nn, media, vae, ssim, mefilter, mek, then
# cmd/common, then the programs; nothing in lib/ includes cmd/.

load common

layers() { bash "$KVAE_ROOT/tests/tools/layers.sh" "$@"; }

@test "layers: every include of the tree points down the layer order" {
	run --separate-stderr layers "$KVAE_ROOT"
	echo "$output"
	echo "$stderr"
	assert_success
	assert_equal "$stderr" ""
	# the graph names the edges it found
	assert_output --regexp 'vae +-> nn +[0-9]+'
	assert_output --regexp 'cmd +-> cmd/common +[0-9]+'
}

# A fake tree: lgssm, vae and core, a program and its glue, all in order
# but for the includes the test adds.
make_tree() {
	mkdir -p tree/lib/core tree/lib/lgssm tree/lib/vae tree/cmd/common
	printf '/* err.h */\n' >tree/lib/core/err.h
	printf '#include "core/err.h"\n' >tree/lib/lgssm/lgssm.h
	printf '#include "lgssm/lgssm.h"\n#include "vae.h"\n' >tree/lib/vae/kvae.c
	printf '/* vae.h */\n' >tree/lib/vae/vae.h
	printf '#include "core/err.h"\n' >tree/cmd/common/cli.h
	printf '#include "common/cli.h"\n#include "vae/vae.h"\n' >tree/cmd/prog.c
}

@test "layers: a tree in order passes, and its graph is counted" {
	make_tree
	run --separate-stderr layers tree
	assert_success
	assert_equal "$stderr" ""
	assert_line --regexp '^lgssm +-> core +1$'
	assert_line --regexp '^vae +-> lgssm +1$'
	assert_line --regexp '^cmd +-> cmd/common +1$'
	refute_output --partial 'vae        -> vae'
}

@test "layers: an upward include is caught, with its file and line" {
	make_tree
	printf '#include <math.h>\n/* the filter */\n#include "../vae/vae.h"\n' \
	    >tree/lib/lgssm/filter.c
	run --separate-stderr layers tree
	assert_equal "$status" 1
	[[ "$stderr" == *'lib/lgssm/filter.c:3: includes "../vae/vae.h": lgssm may not include vae'* ]] || {
		echo "stderr was: $stderr"; return 1; }
}

@test "layers: lib/ including cmd/ is caught" {
	make_tree
	printf '#include "common/cli.h"\n' >tree/lib/core/err.c
	run --separate-stderr layers tree
	assert_equal "$status" 1
	[[ "$stderr" == *'lib/core/err.c:1: includes "common/cli.h": lib/ may not include cmd/'* ]] || {
		echo "stderr was: $stderr"; return 1; }
}

@test "layers: a lib/ folder outside the order is caught" {
	make_tree
	mkdir tree/lib/extra
	printf '#include "core/err.h"\n' >tree/lib/extra/x.c
	run --separate-stderr layers tree
	assert_equal "$status" 1
	[[ "$stderr" == *'lib/extra: not in the layer order'* ]] || {
		echo "stderr was: $stderr"; return 1; }
}

@test "layers: nothing in lib/ exits the process or prints to stderr but the progress reporter" {
	cd "$KVAE_ROOT"
	# a call of exit, abort, perror, err(3) or warn(3) (not a member such
	# as job->warn), or a write to stderr
	run grep -rnE '(^|[^.>_[:alnum:]])(_?exit|abort|perror|errx?|warnx?)\(|(printf|puts|putc|fputc|write)\([^;]*\bstderr\b|STDERR_FILENO' \
	    --include='*.c' --include='*.h' lib
	hits=$(printf '%s\n' "$output" | grep -v '^lib/core/progress\.c:' || true)
	assert_equal "$hits" ""
}
