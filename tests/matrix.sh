# matrix.sh - the compiler matrix (scripts/matrix, build/copy_matrix) over a tiny
# source, under whichever of gcc-11, gcc-12, clang-13..16 are installed (gcc-12
# and clang-14 always are) at every -O: the table's cells are computed by the
# sweeps, then checked against what must hold:
#   a fixed-size 4-byte __builtin_memcpy through a local integer is one 4-byte
#   access (never R1; x86-uc passes) in every configuration;
#   a volatile byte loop breaks R1 in every configuration;
#   a variable-length memcpy breaks exactly the rules libc's memcpy (the
#   built-in helper, swept on the same grid) breaks.
# On arm64 (under qemu-user): -mstrict-align makes a 4-byte copy between
# pointers of unknown alignment byte stores, and without it one 4-byte store.
# Also: a configuration that does not compile is reported with its first error
# line and the others go on; missing compilers and the arm64 lines are listed
# as such; the build cache; JSON, Markdown and well-formed HTML.
# Run by tests/run from the repository root.
. tests/lib.sh

M=build/copy_matrix
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GRID=(-max_len=16 -offsets=8 -misaligns=4)

if [[ ! -x $M ]]; then
	skip "compiler matrix" "build/copy_matrix is not built"
	exit 0
fi

cat >"$tmp/tiny.c" <<'EOF'
#include <string.h>
#include "mmiorig.h"

#ifdef MATRIX_TEST_BREAK
#error matrix test: this configuration does not compile
#endif

static void
fixed4_to(void *dst, const void *src, size_t len)
{
	uint32_t v;

	(void)len;
	__builtin_memcpy(&v, src, 4);
	__builtin_memcpy(dst, &v, 4);
}

/* 4 bytes between pointers of unknown alignment: arm64 -mstrict-align must not
 * use one 4-byte access for it */
static void
fixed4p(void *dst, const void *src, size_t len)
{
	(void)len;
	__builtin_memcpy(dst, src, 4);
}

static void
bytes(void *dst, const void *src, size_t len)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
}

static void
var(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
}

static const struct mmio_helper tiny[] = {
	{ .name = "t-fixed4", .pattern = "one L", .lens = 1u << 4,
	  .copy = { [MMIO_TO_DEVICE] = fixed4_to, [MMIO_FROM_DEVICE] = fixed4_to } },
	{ .name = "t-bytes", .pattern = "one B per byte",
	  .copy = { [MMIO_TO_DEVICE] = bytes, [MMIO_FROM_DEVICE] = bytes, [MMIO_WITHIN] = bytes } },
	{ .name = "t-var", .pattern = "libc memcpy",
	  .copy = { [MMIO_TO_DEVICE] = var, [MMIO_FROM_DEVICE] = var, [MMIO_WITHIN] = var } },
	{ .name = "t-fixed4p", .pattern = "one L, pointers of unknown alignment", .lens = 1u << 4,
	  .copy = { [MMIO_TO_DEVICE] = fixed4p } },
};

const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI, .count = 4, .helpers = tiny,
};
EOF

# --- the configurations: every -O of each installed compiler -------------------
used=()
for cc in gcc-11 gcc-12 clang-13 clang-14 clang-15 clang-16; do
	command -v "$cc" >/dev/null || continue
	used+=("$cc")
	for o in -O0 -O1 -O2 -O3 -Os; do echo "x86_64 $cc $o"; done
	[[ $cc == clang-* ]] && echo "x86_64 $cc -Oz"
done >"$tmp/m.conf"
n=$(wc -l <"$tmp/m.conf")
{
	echo "# a compile failure, a missing compiler, an arm64 line"
	echo "x86_64 gcc-12 -O2 -DMATRIX_TEST_BREAK"
	echo "x86_64 no-such-cc-99 -O2"
	echo "arm64 aarch64-linux-gnu-gcc-12 -O2 -mstrict-align"
} >>"$tmp/m.conf"
echo "# compilers used: ${used[*]} ($n configurations at every -O)"
expect_true "gcc-12 and clang-14 are installed" "setup installs them" \
	eval '[[ " ${used[*]} " == *" gcc-12 "* && " ${used[*]} " == *" clang-14 "* ]]'

# --- -list -------------------------------------------------------------------------
expect_exit "-list exits 0" 0 $M -conf="$tmp/m.conf" -list=1
expect_grep "-list: installed lines" '^installed +x86_64 +gcc-12 -O0$'
expect_grep "-list: a missing compiler is not installed" '^not-installed +x86_64 +no-such-cc-99 -O2 +# not installed'
if [[ -x build/arm64/copy_sweep ]]; then
	expect_grep "-list: arm64 lines are installed with the arm64 build" \
		'^installed +arm64 +aarch64-linux-gnu-gcc-12 -O2 -mstrict-align'
else
	expect_grep "-list: arm64 lines are not available without the arm64 build" \
		'^not-available +arm64 +aarch64-linux-gnu-gcc-12 -O2 -mstrict-align +# not available: the arm64 build is not installed'
fi

# --- the run -------------------------------------------------------------------------
start=$SECONDS
expect_exit "matrix over the tiny source: findings (exit 1)" 1 \
	$M "$tmp/tiny.c" -conf="$tmp/m.conf" -out="$tmp/out" -cache="$tmp/cache" \
	-profiles=arm64-device,x86-uc "${GRID[@]}"
first=$((SECONDS - start))
echo "# first run: ${first}s"
expect_grep "text table: a row per configuration" '^. gcc-12 -O0 '
expect_grep "the failing configuration shows the compiler's first error line" \
	'gcc-12 -O2 -DMATRIX_TEST_BREAK +.*error: #error matrix test: this configuration does not compile'
expect_grep "a counterexample with its instruction" 'first offending instruction `'
for f in matrix.md matrix.json matrix.html; do
	expect_true "$f written" "missing" test -s "$tmp/out/$f"
done
if command -v xmllint >/dev/null; then
	expect_true "matrix.html is well-formed XML" "xmllint failed" xmllint --noout "$tmp/out/matrix.html"
else
	skip "matrix.html is well-formed XML" "xmllint not installed"
fi

# libc's memcpy on the same grid: what the variable-length copy must inherit
for p in arm64-device x86-uc; do
	build/copy_sweep -helper=memcpy -profile=$p "${GRID[@]}" -lines=1 >"$tmp/libc-$p.txt"
done

# every cell the assertions read comes from the JSON the run wrote
python3 - "$tmp/out/matrix.json" "$tmp" <<'EOF' >"$tmp/cells.txt" 2>&1
import json, sys
j = json.load(open(sys.argv[1]))
libc = {}
for p in ("arm64-device", "x86-uc"):
    rules = [l.split("\t")[1] for l in open(f"{sys.argv[2]}/libc-{p}.txt")
             if l.startswith("rule\t") and l.split("\t")[3] == "error"]
    libc[p] = " ".join(rules)
for c in j["configurations"]:
    if c["arch"] != "x86_64":
        continue
    if c["state"] != "built":
        print("STATE", c["name"], c["state"], c.get("why", ""))
        continue
    for x in c["cells"]:
        rules = x["rules"].split()
        name = f'{c["name"]}|{x["helper"]}|{x["profile"]}'
        if x["helper"] == "t-fixed4":
            ok = x["verdict"] != "error" and "R1" not in rules and \
                (x["profile"] != "x86-uc" or x["verdict"] == "pass") and \
                (x["verdict"] == "pass" or x["accesses"] in ("S4@+0", "L4@+0"))
            print("FIXED4", "ok" if ok else "bad", name, x["verdict"], x["rules"], x["accesses"])
        elif x["helper"] == "t-bytes" and x["profile"] == "arm64-device":
            print("BYTES", "ok" if "R1" in rules else "bad", name, x["rules"])
        elif x["helper"] == "t-var":
            same = x["verdict"] != "error" and x["rules"] == libc[x["profile"]]
            # a build that does not inherit libc's findings must not have called
            # libc: its first offending instruction is in the plugin
            inline = not same and x["pc"].startswith("plugin.so+")
            print("VAR", "ok" if same or inline else "bad", name, repr(x["rules"]),
                  "libc:", repr(libc[x["profile"]]), x["instruction"], x["pc"])
            if inline:
                print("INLINE", name, x["instruction"])
EOF
count() { grep -c "^$1 $2 " "$tmp/cells.txt"; }
cells_ok() { # NAME KIND WANT
	local ok bad
	ok=$(count "$2" ok) bad=$(count "$2" bad)
	if ((bad == 0 && ok == $3)); then pass "$1 ($ok cells)"
	else fail "$1" "$ok of $3 cells hold; $(grep "^$2 bad " "$tmp/cells.txt" | head -n 3 | tr '\n' ';') $(grep -v '^[A-Z0-9]* \(ok\|bad\) \|^STATE' "$tmp/cells.txt" | head -n 3 | tr '\n' ' ')"; fi
}
cells_ok "fixed-size 4-byte __builtin_memcpy is one 4-byte access at every -O (arm64-device and x86-uc)" FIXED4 $((2 * n))
cells_ok "the volatile byte loop breaks R1 in every configuration" BYTES "$n"
cells_ok "the variable-length memcpy breaks exactly libc memcpy's rules wherever it calls libc (elsewhere the compiler copied inline)" VAR $((2 * n))
inl=$(grep '^INLINE ' "$tmp/cells.txt" | cut -d' ' -f2- | sed 's/|t-var|/ under /' | tr '\n' ';')
echo "# builds that copy the variable-length memcpy inline instead of calling libc: ${inl:-none}"
expect_true "gcc-12 -O2 and clang-14 -O2 call libc memcpy (inherit its findings)" \
	"$(grep -E '^VAR .*(gcc-12|clang-14) -O2\|' "$tmp/cells.txt" | tr '\n' ' ')" \
	eval "! grep -qE '^INLINE (gcc-12|clang-14) -O2\|' '$tmp/cells.txt' && [[ \$(grep -cE '^VAR ok (gcc-12|clang-14) -O2\|' '$tmp/cells.txt') == 4 ]]"
expect_true "the configuration that does not compile is compile-failed, the missing compiler not-installed, the rest built" \
	"$(grep '^STATE' "$tmp/cells.txt" | tr '\n' ' ')" \
	eval "grep -q '^STATE gcc-12 -O2 -DMATRIX_TEST_BREAK compile-failed .*does not compile' '$tmp/cells.txt' &&
	      [[ \$(grep -c '^STATE' '$tmp/cells.txt') == 2 ]]"

# --- arm64 (under qemu-user): -mstrict-align turns a 4-byte copy between pointers
# of unknown alignment into byte stores (R1); without it, one 4-byte store ------------
if [[ -x build/arm64/copy_sweep ]] && command -v aarch64-linux-gnu-gcc-12 >/dev/null; then
	for cc in aarch64-linux-gnu-gcc-12 "clang-14 --target=aarch64-linux-gnu"; do
		echo "arm64 $cc -O2"
		echo "arm64 $cc -O2 -mstrict-align"
	done >"$tmp/a.conf"
	$M "$tmp/tiny.c" -conf="$tmp/a.conf" -out="$tmp/aout" -cache="$tmp/cache" \
		-helpers=t-fixed4p -profiles=arm64-device "${GRID[@]}" >"$tmp/arm64.txt" 2>&1
	python3 - "$tmp/aout/matrix.json" <<'EOF' >"$tmp/acells.txt" 2>&1
import json, sys
for c in json.load(open(sys.argv[1]))["configurations"]:
    for x in c.get("cells", []):
        strict = "-mstrict-align" in c["name"]
        r1 = "R1" in x["rules"].split()
        print("STRICT" if strict else "PLAIN", "ok" if r1 == strict else "bad", c["name"],
              repr(x["rules"]), x["accesses"])
EOF
	cp "$tmp/acells.txt" "$tmp/cells.txt"
	cells_ok "arm64 -mstrict-align: a 4-byte copy of unknown alignment is byte stores (R1)" STRICT 2
	cells_ok "arm64 without -mstrict-align: the same copy is one 4-byte store (no R1)" PLAIN 2
else
	fail "arm64 matrix cells" "build/arm64/copy_sweep or aarch64-linux-gnu-gcc-12 missing (scripts/setup installs them)"
fi

# --- the cache: nothing rebuilt or reswept, the same table ---------------------------
expect_exit "second run from the cache" 1 \
	$M "$tmp/tiny.c" -conf="$tmp/m.conf" -out="$tmp/out2" -cache="$tmp/cache" \
	-profiles=arm64-device,x86-uc "${GRID[@]}"
expect_grep "second run: nothing to build" '^matrix: [0-9]+ configurations, 0 to build'
expect_grep "second run: nothing to sweep" '^matrix: 0 sweeps to run'
expect_true "second run: the same JSON cells" "the tables differ" \
	eval "python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); sys.exit(a[\"configurations\"]!=b[\"configurations\"])' '$tmp/out/matrix.json' '$tmp/out2/matrix.json'"

# --- scripts/matrix ---------------------------------------------------------------
expect_exit "scripts/matrix --list" 0 scripts/matrix --no-build --list
expect_grep "scripts/matrix --list reads mk/matrix.conf" '^(installed|not-installed) +x86_64 +gcc-12 -O2 -D_FORTIFY_SOURCE=3'
expect_exit "scripts/matrix rejects an unknown profile" 2 scripts/matrix --no-build tests/lib.sh -p nosuch
echo "# total ${SECONDS}s"
