# lib.sh - PASS/FAIL/SKIP lines for shell tests, the same convention as testlib.h.
# Source it; run from the repository root.

pass() { echo "PASS $*"; }
fail() { echo "FAIL $1: ${*:2}"; }
skip() { echo "SKIP $1: ${*:2}"; }

# expect_exit NAME WANT CMD...: runs CMD, keeps stdout+stderr in $out, checks the status.
expect_exit() {
	local name=$1 want=$2 rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [[ $rc == "$want" ]]; then pass "$name"; else fail "$name" "exit $rc, wanted $want: $(tail -n 3 <<<"$out" | tr '\n' ' ')"; fi
}

# expect_grep NAME PATTERN: $out (from the last expect_exit) matches PATTERN.
expect_grep() {
	if grep -qE -- "$2" <<<"$out"; then pass "$1"; else fail "$1" "no line matching '$2' in: $(head -c 300 <<<"$out" | tr '\n' ' ')"; fi
}

expect_nogrep() {
	if grep -qE -- "$2" <<<"$out"; then fail "$1" "unexpected line: $(grep -E -- "$2" <<<"$out" | head -n 2 | tr '\n' ' ')"; else pass "$1"; fi
}

# expect_true NAME WHY CMD...: PASS NAME if CMD succeeds, else FAIL NAME: WHY.
expect_true() {
	local name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}
