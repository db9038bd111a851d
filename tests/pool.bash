# pool.bash: run a function over items, at most N at once, in the
# background. Usage: pool_run N FUNCTION ITEM...; FUNCTION is called as
# FUNCTION INDEX ITEM and keeps its own output (a file per index) for
# the caller to print in order afterwards: the logs stay whole and the
# order stays the one of the items, whatever finished first.
pool_run() {
	local n=$1 fn=$2 i=0 running=0
	shift 2
	for item in "$@"; do
		if [ "$running" -ge "$n" ]; then
			wait -n
			running=$((running - 1))
		fi
		"$fn" "$i" "$item" &
		running=$((running + 1))
		i=$((i + 1))
	done
	wait
}

# The number of jobs: KVAE_JOBS, else one per CPU (at least 1).
pool_jobs() {
	local n=${KVAE_JOBS:-$(nproc 2>/dev/null || echo 1)}
	[ "$n" -ge 1 ] 2>/dev/null || n=1
	echo "$n"
}
