# Shared set-up for the bats tests: load bats-support/bats-assert, put the
# variant's programs first on PATH, and give each test a scratch dir.
bats_load_library bats-support 2>/dev/null || load /usr/lib/bats/bats-support/load
bats_load_library bats-assert 2>/dev/null || load /usr/lib/bats/bats-assert/load

: "${KVAE_ROOT:=$(git -C "$BATS_TEST_DIRNAME" rev-parse --show-toplevel)}"
: "${KVAE_BIN:=$KVAE_ROOT/bin}"
: "${KVAE_TESTBIN:=$KVAE_ROOT/build/release/tests}"
: "${KVAE_VARIANT:=release}"
: "${PYTHON:=/usr/bin/python3}"
: "${TESTDATA:=$KVAE_ROOT/tests/data}"
PATH="$KVAE_BIN:$KVAE_TESTBIN:$PATH"
export PATH KVAE_ROOT KVAE_BIN KVAE_TESTBIN KVAE_VARIANT PYTHON TESTDATA

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T" || return 1
}

# assert_bad_input PROG PATTERN: after `run --separate-stderr`, the
# program exited 1 with a diagnostic on stderr naming itself and matching
# PATTERN.
assert_bad_input() {
	local prog=$1 pattern=$2
	assert_equal "$status" 1
	if ! [[ "$stderr" =~ ^$prog:\ .*$pattern ]]; then
		echo "expected on stderr: $prog: ...$pattern"
		echo "stderr was: $stderr"
		return 1
	fi
}

# Skip slow work under the sanitizers (reference comparisons that only
# exercise the same code paths as the release run with bigger data).
skip_if_sanitized() {
	[ "$KVAE_VARIANT" = release ] || skip "slow under sanitizers; run in release"
}

# wait_until SECONDS CMD...: poll CMD every 0.05 s until it succeeds;
# fail after SECONDS. For tests that must see a program's output before
# they let its input go on: no fixed sleep decides the result.
wait_until() {
	local tries=$(($1 * 20)); shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || { echo "timed out waiting for: $*"; return 1; }
		sleep 0.05
	done
}
