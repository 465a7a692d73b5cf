# values.sh - copy_replay on -bar=mock:device prints the records it prints on
# the mock, values included: memcpy of 1..64 bytes to and from the device
# under step and exec, every other built-in helper under step, the values
# coming from the registers on the device.
# Run by tests/run from the repository root.
#
# The mock paints the source range before a from-device copy and the device
# is never painted, so each length runs as two inputs in one process (one
# rig): a to-device copy of pattern 7 at 0x100, then a from-device copy of
# the same range, which on the device reads what the first one stored: the
# bytes the mock paints there (the source pattern 7).
. tests/lib.sh

R=build/copy_replay
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ ! -x $R ]]; then
	fail "values: $R" "not built (run scripts/setup or ninja)"
	exit 0
fi

# input FILE LEN DIR: a control block (corpora/README.md): direction index DIR
# (memcpy: 0 to-device, 1 from-device), LEN bytes, device offset 0x100, pattern 7
input() {
	printf "\\x00\\x00\\x$(printf %02x "$3")\\x00\\x$(printf %02x "$2")\\x00\\x00\\x01\\x00\\x00\\x07\\x00\\x00\\x00\\x00\\x00" >"$1"
}

inputs=()
for len in $(seq 1 64); do
	input "$tmp/$len-to" "$len" 0
	input "$tmp/$len-from" "$len" 1
	inputs+=("$tmp/$len-to" "$tmp/$len-from")
done

# On a device the rig may refuse stores without the user's consent and want a
# window: give what this copy_replay takes (-help lists it), on both backends.
flags=()
help=$($R -help 2>&1)
grep -q -- '-allow-write' <<<"$help" && flags+=(-allow-write)
grep -q -- '-window=' <<<"$help" && flags+=(-window=0+4096)

# compare NAME HELPER STRATEGY: replay the inputs on both backends, compare the records
compare() {
	local name=$1 helper=$2 strategy=$3 loads stores
	$R -helper="$helper" -strategy="$strategy" -bar=mock "${flags[@]}" "${inputs[@]}" >"$tmp/mock.log" 2>"$tmp/mock.err"
	$R -helper="$helper" -strategy="$strategy" -bar=mock:device "${flags[@]}" "${inputs[@]}" >"$tmp/dev.log" 2>"$tmp/dev.err"
	grep -E '^[SL] ' "$tmp/mock.log" >"$tmp/mock.rec"
	grep -E '^[SL] ' "$tmp/dev.log" >"$tmp/dev.rec"
	loads=$(grep -c '^L ' "$tmp/dev.rec")
	stores=$(grep -c '^S ' "$tmp/dev.rec")
	if ((stores == 0)); then
		fail "$name" "$loads loads and $stores stores recorded on mock:device: $(head -c 300 "$tmp/dev.err")"
	elif ! diff -q "$tmp/mock.rec" "$tmp/dev.rec" >/dev/null; then
		fail "$name" "first difference: $(diff "$tmp/mock.rec" "$tmp/dev.rec" | head -4 | tr '\n' ' ')"
	else
		pass "$name ($loads loads, $stores stores)"
	fi
}

for strategy in step exec; do
	compare "values: memcpy 1..64 bytes both ways, -strategy=$strategy: mock:device prints the mock's records" memcpy $strategy
	# the device run's loads read what the stores left, not zeros
	name="values: memcpy -strategy=$strategy: the device's load values are the bytes stored there"
	if grep -E '^L ' "$tmp/dev.rec" | awk '{ print $9 }' | grep -qvE '^0x(00)+$|^(00)+$'; then
		pass "$name"
	else
		fail "$name" "every load value is zero"
	fi
	name="values: memcpy -strategy=$strategy: its moves leave no value uncaptured"
	if grep -qE '^[SL] [0-9]+ [^ ]+ [0-9]+ [a-z]+ [0-9]+ [a-zF]*n' "$tmp/dev.rec"; then
		fail "$name" "$(grep -E '^[SL] [0-9]+ [^ ]+ [0-9]+ [a-z]+ [0-9]+ [a-zF]*n' "$tmp/dev.rec" | head -2 | tr '\n' ' ')"
	else
		pass "$name"
	fi
done

# every other built-in helper the same way under step (a helper that does not
# take a length or direction reports it unjudged on both backends alike)
for helper in $($R -helper=help 2>&1 | awk '$1 != "memcpy" { print $1 }'); do
	compare "values: $helper 1..64 bytes both ways, -strategy=step: mock:device prints the mock's records" "$helper" step
done

expect_exit "values: -bar=mock:nosuch exits 2" 2 $R -helper=memcpy -len=4 -bar=mock:nosuch
expect_grep "values: -bar=mock:nosuch names 'device'" "unknown argument 'nosuch'.*device"
expect_exit "values: -bar=help exits 0" 0 $R -bar=help
expect_grep "values: -bar=help describes mock's device argument" 'device \(behave as a real device'
