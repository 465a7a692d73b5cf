/*
 * test_checker.c - unit tests of the rule checker and the profile table on
 * hand-written access lists.
 *
 * Every rule gets at least one list that must break it and one that must
 * not, under the profiles where the difference matters; the memcpy shapes of
 * docs/routines.md are asserted rule by rule; and the aligned
 * decomposition, the shape of the reference helper, must pass every profile.
 * Offsets in names are request-relative like the reference's notation
 * ("S8@7" = 8-byte store at request offset 7); lists are built at a BAR
 * offset chosen so that alignment is as the name says.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "out.h"
#include "helpers.h"
#include "testlib.h"

#define BAR_SIZE 0x10000u
#define MAX_RECS 10000
#define R(n) (1u << (n))
#define FULL(w) ((w) >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << (w)) - 1)

static struct mmio_record recs[MAX_RECS];
static size_t nrecs;

static struct mmio_finding fnd[CHECK_MAX_FINDINGS];
static size_t nfnd;
static unsigned warn_mask; /* rules of the last judge() that fired as WARN */
static struct data_result data_next; /* R11 evidence for the next judge() only */

/* ---- building access lists --------------------------------------------- */

static void
clear(void)
{
	nrecs = 0;
}

static struct mmio_record *
push(unsigned kind, int64_t off, unsigned width, unsigned elem, uint64_t lanes,
     unsigned cls, unsigned flags)
{
	struct mmio_record *r;

	if (nrecs >= MAX_RECS) {
		fprintf(stderr, "test_checker: more than %d records\n", MAX_RECS);
		exit(2);
	}
	r = &recs[nrecs];
	memset(r, 0, sizeof *r);
	r->seq = nrecs;
	r->offset = off;
	r->width = (uint16_t)width;
	r->elem = (uint8_t)elem;
	r->lanes = lanes;
	r->kind = (uint8_t)kind;
	r->cls = (uint8_t)cls;
	r->flags = (uint8_t)flags;
	nrecs++;
	return r;
}

/* Plain scalar store / load of w bytes. */
static void
st(int64_t off, unsigned w)
{
	push(MMIO_STORE, off, w, w, FULL(w), MMIO_CLS_SCALAR, 0);
}

static void
ld(int64_t off, unsigned w)
{
	push(MMIO_LOAD, off, w, w, FULL(w), MMIO_CLS_SCALAR, 0);
}

/* Whole-register vector store / load (movdqu, vmovdqu). */
static void
vst(int64_t off, unsigned w)
{
	push(MMIO_STORE, off, w, w, FULL(w), MMIO_CLS_VECTOR, MMIO_REC_SIMD);
}

static void
vld(int64_t off, unsigned w)
{
	push(MMIO_LOAD, off, w, w, FULL(w), MMIO_CLS_VECTOR, MMIO_REC_SIMD);
}

/* Masked vector store: w-byte register at off, elem-byte elements, lanes enabled. */
static void
mst(int64_t off, unsigned w, unsigned elem, uint64_t lanes)
{
	push(MMIO_STORE, off, w, elem, lanes, MMIO_CLS_MASKED, MMIO_REC_SIMD);
}

/* One element of a string instruction (rep movsb/movsw...). */
static void
sst(int64_t off, unsigned w)
{
	push(MMIO_STORE, off, w, w, FULL(w), MMIO_CLS_STRING, 0);
}

/* The aligned decomposition of [off, off+len) with one access of `kind` per piece. */
static void
natural(unsigned kind, int64_t off, uint32_t len)
{
	int64_t p = off, end = off + len;
	unsigned z;

	while (p < end) {
		for (z = 8; z > 1; z >>= 1)
			if ((p & (z - 1)) == 0 && p + z <= end)
				break;
		push(kind, p, z, z, FULL(z), MMIO_CLS_SCALAR, 0);
		p += z;
	}
}

/* ---- judging ------------------------------------------------------------ */

static unsigned
judge_p(const struct profile *p, enum mmio_dir dir, uint32_t dev, uint32_t src, uint32_t len)
{
	struct mmio_request req = { .dir = dir, .dev_off = dev, .src_off = src, .len = len };
	struct check_input in = {
		.req = &req, .recs = recs, .nrecs = nrecs, .bar_size = BAR_SIZE, .data = data_next,
	};
	unsigned mask = 0;
	size_t i;

	memset(&data_next, 0, sizeof data_next);
	nfnd = check_request(&in, p, fnd);
	warn_mask = 0;
	for (i = 0; i < nfnd; i++) {
		mask |= R(fnd[i].rule);
		if (fnd[i].severity == MMIO_SEV_WARN)
			warn_mask |= R(fnd[i].rule);
	}
	return mask;
}

static unsigned
judge(const char *profile, enum mmio_dir dir, uint32_t dev, uint32_t src, uint32_t len)
{
	const struct profile *p = profile_lookup(profile);

	if (!p) {
		fprintf(stderr, "test_checker: no profile '%s'\n", profile);
		exit(2);
	}
	return judge_p(p, dir, dev, src, len);
}

/* Same, with a rule switch list applied to the profile first. */
static unsigned
judge_with(const char *profile, const char *rules, enum mmio_dir dir, uint32_t dev,
           uint32_t src, uint32_t len)
{
	struct profile p = *profile_lookup(profile);

	if (profile_apply_rules(&p, rules) < 0) {
		fprintf(stderr, "test_checker: %s\n", rig_error());
		exit(2);
	}
	return judge_p(&p, dir, dev, src, len);
}

static const char *
mask_str(char *buf, size_t size, unsigned mask)
{
	size_t len = 0;
	unsigned r;

	buf[0] = '\0';
	for (r = 1; r <= MMIO_NRULES; r++)
		if (mask & R(r))
			len += (size_t)snprintf(buf + len, size - len, "%sR%u", len ? "," : "", r);
	return mask ? buf : "none";
}

/* The last judge()'s findings, for failure messages. */
static const char *
whys(void)
{
	static char buf[1024];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < nfnd && len < sizeof buf - 1; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, " [R%u %s]", fnd[i].rule,
		                        fnd[i].why);
	return nfnd ? buf : " [no findings]";
}

static const struct mmio_finding *
finding(unsigned rule)
{
	size_t i;

	for (i = 0; i < nfnd; i++)
		if (fnd[i].rule == rule)
			return &fnd[i];
	return NULL;
}

static void
expect(const char *name, unsigned got, unsigned want)
{
	char g[64], w[64];

	T_CHECK(got == want, name, "fired %s, want %s;%s", mask_str(g, sizeof g, got),
	        mask_str(w, sizeof w, want), whys());
}

static void
fires(const char *name, unsigned got, unsigned rule)
{
	T_CHECK(got & R(rule), name, "R%u did not fire;%s", rule, whys());
}

static void
quiet(const char *name, unsigned got, unsigned rule)
{
	T_CHECK(!(got & R(rule)), name, "R%u fired;%s", rule, whys());
}

static void
expect_why(const char *name, unsigned rule, const char *want)
{
	const struct mmio_finding *f = finding(rule);

	T_CHECK(f && strcmp(f->why, want) == 0, name, "got \"%s\", want \"%s\"",
	        f ? f->why : "(no finding)", want);
}

/* ---- profiles ----------------------------------------------------------- */

static unsigned
sev_mask(const struct profile *p, unsigned sev)
{
	unsigned r, mask = 0;

	for (r = 1; r <= MMIO_NRULES; r++)
		if (p->sev[r] == sev)
			mask |= R(r);
	return mask;
}

static void
test_profiles(void)
{
	static const struct {
		const char *name;
		unsigned errors, warns, variant;
	} want[] = {
		{ "arm64-device",
		  R(1) | R(2) | R(3) | R(4) | R(5) | R(6) | R(7) | R(9) | R(10) | R(11), 0, 0 },
		{ "x86-uc", R(1) | R(2) | R(3) | R(4) | R(6) | R(7) | R(9) | R(10) | R(11), 0,
		  PROF_R1_UNALIGNED_WARN | PROF_R6_X86 },
		{ "wc", R(9) | R(10) | R(11), R(3), 0 },
		{ "ram", R(9) | R(11), 0, 0 },
	};
	const struct profile *p;
	char name[96], g[64], w[64];
	size_t i, n = 0;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		p = profile_lookup(want[i].name);
		snprintf(name, sizeof name, "profile %s exists with a description", want[i].name);
		T_CHECK(p && p->desc && *p->desc, name, "lookup failed or no desc");
		if (!p)
			continue;
		snprintf(name, sizeof name, "profile %s errors are section 2's", want[i].name);
		T_CHECK(sev_mask(p, MMIO_SEV_ERROR) == want[i].errors, name, "errors %s, want %s",
		        mask_str(g, sizeof g, sev_mask(p, MMIO_SEV_ERROR)),
		        mask_str(w, sizeof w, want[i].errors));
		snprintf(name, sizeof name, "profile %s warnings and variants", want[i].name);
		T_CHECK(sev_mask(p, MMIO_SEV_WARN) == want[i].warns &&
		        p->variant == want[i].variant && p->sev[8] == MMIO_SEV_OFF,
		        name, "warns %s variant %#x R8 %u", mask_str(g, sizeof g,
		        sev_mask(p, MMIO_SEV_WARN)), p->variant, p->sev[8]);
	}
	for (p = profiles; p->name; p++)
		n++;
	T_CHECK(n == 4, "profile table holds exactly the 4 profiles", "%zu profiles", n);
	T_CHECK(profile_lookup("x86") == NULL && profile_lookup("") == NULL &&
	        profile_lookup(NULL) == NULL, "profile_lookup rejects unknown names",
	        "an unknown name was found");
}

static void
test_rule_names(void)
{
	static const char *const want[] = {
		"?", "width-exact", "no-narrowing", "write-once", "read-once", "aligned",
		"scalar-only", "no-tear", "ordered", "in-bounds", "right-kind", "data", "?",
	};
	unsigned r;
	int ok = 1;

	for (r = 0; r <= MMIO_NRULES + 1; r++)
		if (strcmp(rule_name(r), want[r]) != 0) {
			ok = 0;
			break;
		}
	T_CHECK(ok, "rule_name gives the short names, ? outside 1..11",
	        "rule %u is '%s', want '%s'", r, rule_name(r), want[r]);
}

static void
test_apply_rules(void)
{
	static const char *const bad[] = {
		"R8", "+R0", "+R12", "R3=maybe", "+R3x", "R3=", "=warn", "+", ",", "+R8,",
		",+R8", "+R8,,-R5", "*R8", "R 3=off", "+R100",
	};
	struct profile p = *profile_lookup("arm64-device");
	struct profile before;
	char name[96];
	size_t i;
	int rc;

	rc = profile_apply_rules(&p, "+R8,-R5,R3=warn,R4=error,R4=off");
	T_CHECK(rc == 0 && p.sev[8] == MMIO_SEV_ERROR && p.sev[5] == MMIO_SEV_OFF &&
	        p.sev[3] == MMIO_SEV_WARN && p.sev[4] == MMIO_SEV_OFF && p.sev[1] == MMIO_SEV_ERROR,
	        "apply \"+R8,-R5,R3=warn,R4=error,R4=off\": left to right",
	        "rc %d R8 %u R5 %u R3 %u R4 %u", rc, p.sev[8], p.sev[5], p.sev[3], p.sev[4]);

	p = *profile_lookup("ram");
	rc = profile_apply_rules(&p, "r8,r11=OFF,+r10,R2=Warn");
	T_CHECK(rc < 0, "apply rejects a bare \"r8\" (no sign)", "rc %d", rc);
	rc = profile_apply_rules(&p, "+r8,r11=OFF,+r10,R02=Warn");
	T_CHECK(rc == 0 && p.sev[8] == MMIO_SEV_ERROR && p.sev[11] == MMIO_SEV_OFF &&
	        p.sev[10] == MMIO_SEV_ERROR && p.sev[2] == MMIO_SEV_WARN,
	        "apply is case-insensitive: \"+r8,r11=OFF,+r10,R02=Warn\"",
	        "rc %d (%s)", rc, rig_error());

	p = *profile_lookup("wc");
	rc = profile_apply_rules(&p, "");
	T_CHECK(rc == 0 && memcmp(&p, profile_lookup("wc"), sizeof p) == 0,
	        "apply \"\" changes nothing", "rc %d", rc);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = *profile_lookup("arm64-device");
		before = p;
		rc = profile_apply_rules(&p, bad[i]);
		snprintf(name, sizeof name, "apply rejects \"%s\" and leaves the profile alone",
		         bad[i]);
		T_CHECK(rc == -EINVAL && memcmp(&p, &before, sizeof p) == 0 &&
		        strstr(rig_error(), "Rn=off|warn|error"),
		        name, "rc %d, message '%s'", rc, rig_error());
	}
	p = *profile_lookup("arm64-device");
	rc = profile_apply_rules(&p, "+R8,R3=sometimes,-R5");
	T_CHECK(rc == -EINVAL && strstr(rig_error(), "'R3=sometimes'") && p.sev[8] == MMIO_SEV_OFF,
	        "apply error names the bad token and applies nothing", "rc %d, '%s'", rc,
	        rig_error());
}

/* ---- one rule at a time --------------------------------------------------- */

static void
test_r1(void)
{
	const struct mmio_finding *f;
	unsigned m;

	clear();
	st(0x10, 1);
	st(0x11, 1);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 2);
	fires("R1 fires: 2-byte request at 0x10 as B@0 B@1", m, 1);
	expect_why("R1 says what was done instead", 1,
	           "2-byte request at 0x10 was not one 2-byte store: "
	           "2 stores (1-byte at 0x10, 1-byte at 0x11)");
	f = finding(1);
	T_CHECK(f && f->at == 0x10 && f->rec[0] == 0 && f->rec[1] == 1 &&
	        f->severity == MMIO_SEV_ERROR, "R1 finding: at 0x10, records 0 and 1, error",
	        "at %lld rec %u,%u sev %u", f ? (long long)f->at : -1LL, f ? f->rec[0] : 0,
	        f ? f->rec[1] : 0, f ? f->severity : 0);

	clear();
	st(0x10, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("R1 quiet: 4-byte request at 0x10 as S4@0", m, 0);

	clear();
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	fires("R1 fires: 4-byte request with no store at all", m, 1);

	clear();
	st(0x10, 8);
	st(0x10, 8);
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x10, 0, 8);
	fires("R1 fires: 8-byte request as S8@0 x2 (not exactly one access)", m, 1);

	clear();
	st(0x10, 4);
	st(0x40, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	fires("R1 fires: S4@0 plus a stray store elsewhere in the BAR", m, 1);

	clear();
	ld(0x20, 2);
	ld(0x22, 2);
	m = judge("arm64-device", MMIO_FROM_DEVICE, 0x20, 0, 4);
	fires("R1 fires: from-device 4 bytes at 0x20 as L2@0 L2@2", m, 1);

	clear();
	ld(0x20, 4);
	st(0x20, 4); /* other kind: R10's business, not R1's */
	m = judge("arm64-device", MMIO_FROM_DEVICE, 0x20, 0, 4);
	quiet("R1 quiet: from-device L4@0 with a stray store (R10's)", m, 1);

	clear();
	ld(0x40, 2);
	ld(0x42, 2);
	st(0x10, 4);
	m = judge("arm64-device", MMIO_WITHIN, 0x10, 0x40, 4);
	fires("R1 fires: within 4 bytes, destination exact, source as L2 L2", m, 1);
	expect_why("R1 within names the source side", 1,
	           "4-byte source at 0x40 was not one 4-byte load: "
	           "2 loads (2-byte at 0x40, 2-byte at 0x42)");

	clear();
	ld(0x40, 4);
	st(0x10, 4);
	m = judge("arm64-device", MMIO_WITHIN, 0x10, 0x40, 4);
	expect("R1 quiet: within 4 bytes as L4 then S4", m, 0);

	clear();
	mst(0x10, 16, 4, 0xf);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("R1 quiet: vpmaskmovd with one 4-byte lane is one 4-byte access (R6 only)",
	       m, R(6));

	clear();
	mst(0x10, 16, 4, 0x3);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	fires("R1 fires: 4-byte element with only 2 lanes enabled is not a 4-byte access", m, 1);

	/* x86-uc warning form. */
	clear();
	natural(MMIO_STORE, 0x13, 4);
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x13, 0, 4);
	T_CHECK(m == R(1) && warn_mask == R(1) && check_errors(fnd, nfnd) == 0,
	        "R1 warns (x86-uc): unaligned 4 bytes at 0x13 split as B W B",
	        "fired %#x warn %#x;%s", m, warn_mask, whys());
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x13, 0, 4);
	quiet("R1 quiet (arm64-device): unaligned 4 bytes split has no R1 form", m, 1);

	clear();
	st(0x13, 4);
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x13, 0, 4);
	expect("R1 quiet (x86-uc): unaligned 4 bytes as one unaligned S4", m, 0);

	clear();
	natural(MMIO_STORE, 0x13, 4);
	m = judge_with("x86-uc", "-R1", MMIO_TO_DEVICE, 0x13, 0, 4);
	quiet("R1 warning off with -R1 (x86-uc)", m, 1);

	clear();
	st(0x10, 2);
	st(0x12, 2);
	natural(MMIO_LOAD, 0x43, 4);
	m = judge("x86-uc", MMIO_WITHIN, 0x10, 0x43, 4);
	T_CHECK(nfnd >= 2 && fnd[0].rule == 1 && fnd[0].severity == MMIO_SEV_ERROR &&
	        fnd[1].rule == 1 && fnd[1].severity == MMIO_SEV_WARN && fnd[1].at == 0x43,
	        "R1 within (x86-uc): aligned destination error and unaligned source warning, "
	        "error first", "%s", whys());

	clear();
	st(0x10, 1);
	st(0x11, 1);
	m = judge("wc", MMIO_TO_DEVICE, 0x10, 0, 2);
	expect("R1 quiet (wc): rule off, byte-split 2-byte store", m, 0);
}

static void
test_r2(void)
{
	unsigned m;

	clear();
	st(0x10, 4);
	st(0x14, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 8);
	fires("R2 fires: 8 bytes at 0x10 as S4 S4 (piece is 8)", m, 2);
	expect_why("R2 names the access and the piece", 2,
	           "4-byte store at 0x10 is narrower than the 8-byte piece 0x10..0x17 "
	           "of the destination's aligned decomposition");

	clear();
	st(0x10, 1);
	st(0x11, 1);
	st(0x12, 1);
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x10, 0, 3);
	fires("R2 fires: 3 bytes at 0x10 as B B B (first piece is 2)", m, 2);
	T_CHECK(finding(2) && finding(2)->count == 2 && finding(2)->at == 0x10,
	        "R2 counts 2 narrow stores (the byte at 0x12 is its own piece)", "%s", whys());

	clear();
	natural(MMIO_STORE, 0x10, 3);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 3);
	expect("R2 quiet: 3 bytes at 0x10 as W B", m, 0);

	clear();
	st(0x11, 2);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x11, 0, 2);
	quiet("R2 quiet: 2 bytes at 0x11 as S2, wider than its 1-byte piece (R5's instead)",
	      m, 2);
	fires("R5 fires: S2 at 0x11", m, 5);

	clear();
	st(0x11, 2);
	st(0x13, 1);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x11, 0, 3);
	fires("R2 fires: 3 bytes at 0x11 as S2 S1, S1@2 inside the 2-byte piece at 0x12", m, 2);

	clear();
	ld(0x100, 8);
	ld(0x108, 2);
	ld(0x10a, 2);
	m = judge("arm64-device", MMIO_FROM_DEVICE, 0x100, 0, 12);
	fires("R2 fires: from-device 12 bytes as L8 L2 L2 (piece at 0x108 is 4)", m, 2);

	clear();
	st(0x10, 4);
	st(0x14, 4);
	m = judge("wc", MMIO_TO_DEVICE, 0x10, 0, 8);
	quiet("R2 quiet (wc): rule off", m, 2);
}

static void
test_r3(void)
{
	const struct mmio_finding *f;
	unsigned m;

	clear();
	st(0x10, 8);
	st(0x17, 8);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 15);
	fires("R3 fires: memcpy 15 bytes S8@0 S8@7", m, 3);
	expect_why("R3 names the byte and both stores", 3,
	           "byte 0x17 of the destination is stored twice: "
	           "8-byte store at 0x10 and 8-byte store at 0x17 overlap");
	f = finding(3);
	T_CHECK(f && f->at == 0x17 && f->count == 1 && f->rec[0] == 0 && f->rec[1] == 1,
	        "R3 finding: at 0x17, 1 byte, records 0 and 1", "%s", whys());

	clear();
	st(0x10, 4);
	st(0x10, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	fires("R3 fires: S4@0 x2", m, 3);
	expect_why("R3 says the same store was issued twice", 3,
	           "byte 0x10 of the destination is stored twice: "
	           "the 4-byte store at 0x10 is issued twice");

	clear();
	st(0x10, 2);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	fires("R3 fires: 4-byte destination with only S2@0 (bytes never stored)", m, 3);
	expect_why("R3 names the first byte never stored", 3,
	           "byte 0x12 of the destination 0x10..0x13 is never stored");

	clear();
	st(0x10, 1);
	st(0x10, 1);
	st(0x10, 1);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 1);
	expect("R3 (and R1) fire: arm64 generic memcpy of 1 byte stores byte 0 three times",
	       m, R(1) | R(3));

	clear();
	st(0x10, 2);
	mst(0x10, 64, 1, 0x4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 3);
	quiet("R3 quiet: masked store's disabled lanes over stored bytes do not count", m, 3);

	clear();
	st(0x10, 2);
	mst(0x10, 64, 1, 0x7);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 3);
	fires("R3 fires: masked store's enabled lanes over stored bytes count", m, 3);

	clear();
	st(0x10, 4);
	st(0x20, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	quiet("R3 quiet: a store outside the destination is not R3's", m, 3);
	fires("R9 fires: that store outside the destination", m, 9);

	clear();
	natural(MMIO_STORE, 0x10, 31);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 31);
	quiet("R3 quiet: aligned decomposition of 31 bytes", m, 3);

	clear();
	st(0x10, 8);
	st(0x17, 8);
	m = judge("wc", MMIO_TO_DEVICE, 0x10, 0, 15);
	T_CHECK(m == R(3) && warn_mask == R(3) && check_errors(fnd, nfnd) == 0,
	        "R3 is a warning (wc): memcpy 15 bytes S8@0 S8@7", "%s", whys());

	clear();
	ld(0x10, 4);
	ld(0x10, 4);
	m = judge("arm64-device", MMIO_FROM_DEVICE, 0x10, 0, 4);
	quiet("R3 quiet: from-device (destination is host memory)", m, 3);
}

static void
test_r4(void)
{
	unsigned m;

	clear();
	ld(0x10, 4);
	ld(0x10, 4);
	m = judge("arm64-device", MMIO_FROM_DEVICE, 0x10, 0, 4);
	expect("R4 (and R1) fire: from-device L4@0 x2", m, R(1) | R(4));
	expect_why("R4 names the byte and the repeated load", 4,
	           "byte 0x10 of the source is loaded twice: "
	           "the 4-byte load at 0x10 is issued twice");

	clear();
	ld(0x20, 8);
	ld(0x27, 8);
	st(0x40, 8);
	st(0x47, 8);
	m = judge("x86-uc", MMIO_WITHIN, 0x40, 0x20, 15);
	fires("R4 fires: within 15 bytes, source loaded L8@0 L8@7", m, 4);
	T_CHECK(finding(4) && finding(4)->at == 0x27, "R4 within: at the source byte 0x27",
	        "%s", whys());

	clear();
	natural(MMIO_LOAD, 0x13, 13);
	m = judge("arm64-device", MMIO_FROM_DEVICE, 0x13, 0, 13);
	expect("R4 quiet: from-device aligned decomposition of 13 bytes at 0x13", m, 0);

	clear();
	ld(0x10, 2);
	m = judge("arm64-device", MMIO_FROM_DEVICE, 0x10, 0, 4);
	quiet("R4 quiet: source bytes never loaded are not R4's", m, 4);

	clear();
	st(0x10, 4);
	st(0x10, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	quiet("R4 quiet: to-device has no device source", m, 4);

	clear();
	ld(0x10, 4);
	ld(0x10, 4);
	m = judge("wc", MMIO_FROM_DEVICE, 0x10, 0, 4);
	quiet("R4 quiet (wc): rule off", m, 4);
}

static void
test_r5(void)
{
	unsigned m;

	clear();
	st(0x13, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x13, 0, 4);
	expect("R5 fires (arm64-device): unaligned 4 bytes as one S4 at 0x13", m, R(5));
	expect_why("R5 names the access", 5,
	           "4-byte store at 0x13 is not naturally aligned: 0x13 is not a multiple of 4");
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x13, 0, 4);
	expect("R5 quiet (x86-uc): rule off", m, 0);

	clear();
	mst(0x13, 64, 1, 0xf);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x13, 0, 4);
	quiet("R5 quiet: masked byte elements are aligned whatever the register's offset", m, 5);

	clear();
	push(MMIO_STORE, 0x11, 2, 2, 0x3, MMIO_CLS_STRING, 0);
	push(MMIO_STORE, 0x13, 2, 2, 0x3, MMIO_CLS_STRING, 0);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x11, 0, 4);
	fires("R5 fires: rep movsw elements at odd offsets", m, 5);
	T_CHECK(finding(5) && finding(5)->count == 2, "R5 counts both misaligned elements",
	        "%s", whys());

	clear();
	push(MMIO_STORE, 0x10, 10, 10, FULL(10), MMIO_CLS_SCALAR, MMIO_REC_SIMD);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 10);
	quiet("R5 quiet: 10-byte (x87 tbyte) access at a multiple of 8", m, 5);
	clear();
	push(MMIO_STORE, 0x12, 10, 10, FULL(10), MMIO_CLS_SCALAR, MMIO_REC_SIMD);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x12, 0, 10);
	fires("R5 fires: 10-byte access at 0x12 (not a multiple of 8)", m, 5);

	clear();
	ld(0x21, 2);
	ld(0x23, 1);
	m = judge("arm64-device", MMIO_FROM_DEVICE, 0x20, 0, 4);
	fires("R5 fires: from-device load L2 at 0x21", m, 5);
}

static void
test_r6(void)
{
	unsigned m;

	clear();
	vst(0x10, 16);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 16);
	expect("R6 fires (arm64-device): 16 bytes as one V16", m, R(6));
	expect_why("R6 lists what is not scalar", 6,
	           "16-byte store at 0x10 is not a scalar access: "
	           "through a vector/FP register, wider than 8 bytes");
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x10, 0, 16);
	expect("R6 quiet (x86-uc): V16 in a 16-byte request", m, 0);

	clear();
	vst(0x10, 8);
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x10, 0, 8);
	expect("R6 fires (x86-uc): 8 bytes through an xmm register (movq)", m, R(6));
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 8);
	expect("R6 fires (arm64-device): 8 bytes through an FP register (str d0)", m, R(6));

	clear();
	push(MMIO_STORE, 0x10, 8, 8, FULL(8), MMIO_CLS_NONTEMPORAL, 0);
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x10, 0, 8);
	expect("R6 quiet (x86-uc): movnti is a scalar register", m, 0);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 8);
	expect("R6 quiet (arm64-device): movnti is a scalar register", m, 0);

	clear();
	push(MMIO_STORE, 0x10, 16, 16, FULL(16), MMIO_CLS_NONTEMPORAL, MMIO_REC_SIMD);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 16);
	fires("R6 fires (arm64-device): movntdq", m, 6);

	clear();
	push(MMIO_STORE, 0x10, 8, 8, FULL(8), MMIO_CLS_DIRECT, 0);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 8);
	expect("R6 quiet: movdiri (8-byte direct store)", m, 0);

	clear();
	push(MMIO_STORE, 0x40, 64, 64, FULL(64), MMIO_CLS_DIRECT, 0);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x40, 0, 64);
	fires("R6 fires (arm64-device): movdir64b is one 64-byte access", m, 6);

	clear();
	push(MMIO_STORE, 0x10, 16, 8, FULL(16), MMIO_CLS_SCALAR, MMIO_REC_PAIR);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 16);
	expect("R6 fires (arm64-device): stp x0, x1 (PAIR16)", m, R(6));
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x10, 0, 16);
	quiet("R6 quiet (x86-uc): a pair is not a vector", m, 6);

	clear();
	push(MMIO_STORE, 0x10, 16, 16, FULL(16), MMIO_CLS_SCALAR, MMIO_REC_PAIR | MMIO_REC_SIMD);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 32);
	fires("R6 fires (arm64-device): stp q0, q1 half of a 32-byte copy", m, 6);

	clear();
	mst(0x10, 64, 1, 0xf);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	T_CHECK(finding(6) && finding(6)->count == 1,
	        "R6 counts a masked store once, not per lane", "%s", whys());
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x10, 0, 4);
	fires("R6 fires (x86-uc): masked store in a 4-byte request", m, 6);

	clear();
	for (int i = 0; i < 16; i++)
		sst(0x10 + i, 1);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 16);
	quiet("R6 quiet: rep movsb elements are scalar", m, 6);

	clear();
	push(MMIO_LOAD, 0x10, 4, 4, 0xf, MMIO_CLS_RMW, MMIO_REC_LOCKED);
	push(MMIO_STORE, 0x10, 4, 4, 0xf, MMIO_CLS_RMW, MMIO_REC_LOCKED);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("R6 quiet, R10 fires: lock xadd on a 4-byte destination", m, R(10));

	clear();
	push(MMIO_STORE, 0x10, 16, 0, FULL(16), MMIO_CLS_UNKNOWN, 0);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 16);
	fires("R6 fires: unknown 16-byte instruction (wider than 8)", m, 6);
	clear();
	push(MMIO_STORE, 0x10, 4, 0, FULL(4), MMIO_CLS_UNKNOWN, 0);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("R6 quiet: unknown 4-byte instruction is judged by width", m, 0);

	clear();
	vld(0x10, 16);
	natural(MMIO_STORE, 0x10, 8);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 8);
	expect("R6 quiet: a vector load in a to-device copy is R10's alone", m, R(10));

	/* x87 (fst m64): an FP register to arm64-device, not a vector to x86-uc */
	clear();
	push(MMIO_STORE, 0x10, 8, 8, FULL(8), MMIO_CLS_UNKNOWN, MMIO_REC_X87);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 8);
	expect("R6 fires (arm64-device): fst m64 is through an FP register", m, R(6));
	expect_why("R6 names an x87 store as through a vector/FP register", 6,
	           "8-byte store at 0x10 is not a scalar access: through a vector/FP register");
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x10, 0, 8);
	expect("R6 quiet (x86-uc): fst m64 is no vector or masked access", m, 0);

	/* an x87 10-byte store: wide too under arm64-device, still quiet under x86-uc */
	clear();
	push(MMIO_STORE, 0x10, 10, 10, FULL(10), MMIO_CLS_UNKNOWN, MMIO_REC_X87);
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x10, 0, 10);
	quiet("R6 quiet (x86-uc): fstp m80", m, 6);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 10);
	fires("R6 fires (arm64-device): fstp m80", m, 6);

	/* fxsave's pieces carry SSE state as well: a vector to x86-uc too */
	clear();
	push(MMIO_STORE, 0x0, 64, 64, FULL(64), MMIO_CLS_UNKNOWN, MMIO_REC_X87 | MMIO_REC_SIMD);
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x0, 0, 8);
	fires("R6 fires (x86-uc): fxsave piece in an 8-byte request", m, 6);

	/* one gather element: masked, so x86-uc objects in a short request */
	clear();
	push(MMIO_LOAD, 0x10, 4, 4, FULL(4), MMIO_CLS_MASKED, MMIO_REC_SIMD);
	m = judge("x86-uc", MMIO_FROM_DEVICE, 0x10, 0, 4);
	fires("R6 fires (x86-uc): a gather element", m, 6);
}

static void
test_r7(void)
{
	unsigned m;

	clear();
	st(0x10, 2);
	st(0x12, 2);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("R7 (R1, R2) fire: 4 bytes at 0x10 as S2 S2", m, R(1) | R(2) | R(7));
	expect_why("R7 names the torn unit and its pieces", 7,
	           "4-byte unit 0x10..0x13 of the destination is not stored whole by any single "
	           "store: 2 stores (2-byte at 0x10, 2-byte at 0x12)");

	clear();
	st(0x10, 4);
	st(0x10, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	quiet("R7 quiet: a unit stored whole twice is not torn (R3's)", m, 7);

	clear();
	st(0x10, 4);
	st(0x13, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 7);
	quiet("R7 quiet: unaligned S4@3 covers the 2-byte unit at 0x14", m, 7);

	clear();
	st(0x10, 4);
	st(0x14, 1);
	st(0x15, 1);
	st(0x16, 1);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 7);
	fires("R7 fires: 2-byte unit 0x14..0x15 stored as two bytes", m, 7);
	T_CHECK(finding(7) && finding(7)->at == 0x14 && finding(7)->count == 1,
	        "R7 finding at 0x14, 1 torn unit", "%s", whys());

	clear();
	mst(0x10, 16, 4, 0x3f);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 8);
	fires("R7 fires: 8-byte unit stored by a 4-byte element and a half-enabled one", m, 7);

	clear();
	for (int i = 0; i < 8; i++)
		ld(0x20 + i, 1);
	m = judge("x86-uc", MMIO_FROM_DEVICE, 0x20, 0, 8);
	fires("R7 fires: from-device 8 bytes loaded bytewise", m, 7);
	T_CHECK(finding(7) && finding(7)->count == 7,
	        "R7 counts 7 torn units (4 x 2-byte, 2 x 4-byte, 1 x 8-byte)", "%s", whys());

	clear();
	st(0x11, 1);
	st(0x12, 1);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x11, 0, 2);
	quiet("R7 quiet: 2 bytes at 0x11 hold no aligned unit", m, 7);

	clear();
	st(0x10, 2);
	st(0x12, 2);
	m = judge("wc", MMIO_TO_DEVICE, 0x10, 0, 4);
	quiet("R7 quiet (wc): rule off", m, 7);
}

static void
test_r8(void)
{
	const struct mmio_finding *f;
	unsigned m;

	clear();
	st(0x14, 4);
	st(0x10, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 8);
	quiet("R8 quiet (arm64-device): off by default", m, 8);
	m = judge_with("arm64-device", "+R8", MMIO_TO_DEVICE, 0x10, 0, 8);
	fires("R8 fires with +R8: S4@4 then S4@0", m, 8);
	f = finding(8);
	T_CHECK(f && f->at == 0x10 && f->rec[0] == 1 && f->rec[1] == 0,
	        "R8 finding: at 0x10, the late store then the one it follows", "%s", whys());
	expect_why("R8 names both stores", 8,
	           "4-byte store at 0x10 comes after 4-byte store at 0x14, at a lower address");

	clear();
	natural(MMIO_STORE, 0x13, 29);
	m = judge_with("ram", "+R8", MMIO_TO_DEVICE, 0x13, 0, 29);
	expect("R8 quiet with +R8: ascending decomposition", m, 0);

	clear();
	st(0x10, 4);
	st(0x10, 4);
	m = judge_with("wc", "+R8", MMIO_TO_DEVICE, 0x10, 0, 4);
	quiet("R8 quiet with +R8: the same offset twice is not lower", m, 8);

	clear();
	ld(0x14, 4);
	ld(0x10, 4);
	m = judge_with("arm64-device", "+R8", MMIO_FROM_DEVICE, 0x10, 0, 8);
	quiet("R8 quiet with +R8: descending loads are not stores", m, 8);

	clear();
	mst(0x10, 16, 4, 0xffff);
	m = judge_with("ram", "R8=warn", MMIO_TO_DEVICE, 0x10, 0, 16);
	quiet("R8 quiet with R8=warn: masked elements ascend", m, 8);
}

static void
test_r9(void)
{
	unsigned m;

	clear();
	st(0x10, 8);
	st(0x18, 8);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 12);
	fires("R9 fires: S8@8 runs past a 12-byte destination", m, 9);
	expect_why("R9 names the byte and the range", 9,
	           "8-byte store at 0x18 moves byte 0x1c, outside the destination 0x10..0x1b");

	clear();
	vld(0x10, 16);
	m = judge("ram", MMIO_FROM_DEVICE, 0x10, 0, 12);
	expect("R9 fires (ram): 16-byte vector load over a 12-byte source", m, R(9));

	clear();
	vst(BAR_SIZE - 8, 16);
	m = judge("ram", MMIO_TO_DEVICE, BAR_SIZE - 8, 0, 8);
	expect("R9 fires (ram): 16-byte store over the end of the BAR", m, R(9));
	expect_why("R9 names the BAR bound", 9,
	           "16-byte store at 0xfff8 moves byte 0x10000, outside the 0x10000-byte BAR");

	clear();
	mst(0x0, 64, 1, 0xf0000);
	m = judge("ram", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("R9 quiet: masked store whose disabled lanes lie outside", m, 0);

	clear();
	st(0x10, 4);
	ld(0x20, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("R9 quiet, R10 fires: to-device load outside the request", m, R(10));

	clear();
	st(0x10, 4);
	ld(BAR_SIZE, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("R9 and R10 fire: to-device load outside the BAR", m, R(9) | R(10));

	clear();
	ld(0x40, 4);
	ld(0x80, 4);
	st(0x10, 4);
	m = judge("arm64-device", MMIO_WITHIN, 0x10, 0x40, 4);
	expect("R9 fires, not R10: within load outside source and destination", m,
	       R(1) | R(9));

	clear();
	ld(0x40, 4);
	st(0x10, 4);
	m = judge("arm64-device", MMIO_WITHIN, 0x10, 0x40, 4);
	expect("R9 quiet: within L4 source, S4 destination", m, 0);

	clear();
	st(-4, 8);
	m = judge("ram", MMIO_TO_DEVICE, 0, 0, 4);
	fires("R9 fires: store below BAR offset 0", m, 9);
}

static void
test_r10(void)
{
	unsigned m;

	clear();
	push(MMIO_LOAD, 0x10, 4, 4, 0xf, MMIO_CLS_RMW, 0);
	push(MMIO_STORE, 0x10, 4, 4, 0xf, MMIO_CLS_RMW, 0);
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("R10 fires: to-device read-modify-write", m, R(10));
	expect_why("R10 says the copy loads", 10,
	           "to-device copy loads from the device (1 load), first the 4-byte load at 0x10");

	clear();
	ld(0x10, 4);
	st(0x10, 4);
	m = judge("wc", MMIO_FROM_DEVICE, 0x10, 0, 4);
	expect("R10 fires (wc): from-device read-back store", m, R(10));

	clear();
	ld(0x40, 4);
	ld(0x10, 4);
	st(0x10, 4);
	m = judge("arm64-device", MMIO_WITHIN, 0x10, 0x40, 4);
	fires("R10 fires: within load of the destination", m, 10);
	quiet("R9 quiet: that load is R10's", m, 9);
	expect_why("R10 within names both ranges", 10,
	           "4-byte load at 0x10 reads byte 0x10 of the destination 0x10..0x13, "
	           "outside the source 0x40..0x43");

	clear();
	ld(0x40, 4);
	st(0x10, 4);
	st(0x40, 4);
	m = judge("arm64-device", MMIO_WITHIN, 0x10, 0x40, 4);
	fires("R10 fires: within store to the source", m, 10);

	clear();
	ld(0x14, 8);
	st(0x10, 8);
	m = judge("arm64-device", MMIO_WITHIN, 0x10, 0x14, 8);
	expect("R10 quiet: within overlapping (memmove) ranges, L8 then S8", m, R(5));

	clear();
	natural(MMIO_LOAD, 0x23, 21);
	natural(MMIO_STORE, 0x53, 21);
	m = judge("arm64-device", MMIO_WITHIN, 0x53, 0x23, 21);
	expect("R10 quiet: within aligned decomposition both sides", m, 0);

	clear();
	push(MMIO_LOAD, 0x10, 4, 4, 0xf, MMIO_CLS_RMW, 0);
	push(MMIO_STORE, 0x10, 4, 4, 0xf, MMIO_CLS_RMW, 0);
	m = judge("ram", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("R10 quiet (ram): rule off", m, 0);
}

static void
test_r11(void)
{
	const struct mmio_finding *f;
	unsigned m;

	clear();
	natural(MMIO_STORE, 0x10, 4);
	data_next = (struct data_result){ .region = DATA_DEST, .at = 0x13, .got = 0, .want = 0x5a };
	m = judge("ram", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("R11 fires (ram): destination byte wrong", m, R(11));
	f = finding(11);
	T_CHECK(f && f->at == 0x13 && f->rec[0] == UINT32_MAX && strstr(f->why, "0x13") &&
	        strstr(f->why, "0x00") && strstr(f->why, "0x5a"),
	        "R11 names the offset, got and want bytes", "%s", whys());

	clear();
	natural(MMIO_STORE, 0x10, 4);
	data_next = (struct data_result){ .region = DATA_DEVICE_OUTSIDE, .at = 0x14, .got = 1 };
	m = judge("wc", MMIO_TO_DEVICE, 0x10, 0, 4);
	T_CHECK(m == R(11) && strstr(fnd[0].why, "outside the destination"),
	        "R11 fires (wc): a BAR byte outside the destination changed", "%s", whys());

	clear();
	natural(MMIO_LOAD, 0x10, 4);
	data_next = (struct data_result){ .region = DATA_HOST_OUTSIDE, .at = -1, .got = 1 };
	m = judge("arm64-device", MMIO_FROM_DEVICE, 0x10, 0, 4);
	T_CHECK(m == R(11) && strstr(fnd[0].why, "host byte -0x1 around the destination"),
	        "R11 fires: host byte before the destination changed", "%s", whys());

	clear();
	natural(MMIO_STORE, 0x10, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	quiet("R11 quiet: data as expected", m, 11);

	clear();
	natural(MMIO_STORE, 0x10, 4);
	data_next = (struct data_result){ .region = DATA_DEST, .at = 0x13 };
	m = judge_with("ram", "-R11", MMIO_TO_DEVICE, 0x10, 0, 4);
	quiet("R11 quiet with -R11", m, 11);
}

/* ---- known routines ------------------------------------------------------ */

struct pattern {
	uint32_t len;
	const char *stores;       /* the reference's notation */
	unsigned arm64, x86;      /* rules that fire under arm64-device, x86-uc */
};

/* glibc 2.36 x86-64 __memcpy_avx512_unaligned_erms, docs/routines.md. */
static const struct pattern glibc_x86[] = {
	{ 1, "S1@0", 0, 0 },
	{ 2, "S2@0 S1@0", R(1) | R(2) | R(3), R(1) | R(2) | R(3) },
	{ 3, "S2@1 S1@0", R(2) | R(5) | R(7), R(2) | R(7) },
	{ 4, "S4@0 x2", R(1) | R(3), R(1) | R(3) },
	{ 7, "S4@0 S4@3", R(3) | R(5), R(3) },
	{ 8, "S8@0 x2", R(1) | R(3), R(1) | R(3) },
	{ 15, "S8@0 S8@7", R(3) | R(5), R(3) },
	{ 16, "V16@0 x2", R(3) | R(6), R(3) },
	{ 33, "V32@0 V32@1", R(3) | R(5) | R(6), R(3) },
	{ 64, "V64@0 x2", R(3) | R(6), R(3) },
	{ 4096, "rep movsb, V64@0", R(2) | R(3) | R(6) | R(7), R(2) | R(3) | R(7) },
};

/* Records of one glibc_x86 row at BAR offset d, of the given kind. */
static void
glibc_x86_records(uint32_t len, int64_t d, unsigned kind)
{
	unsigned cls = MMIO_CLS_SCALAR, flags = 0;
	uint32_t i;

#define ACC(off, w) push(kind, d + (off), (w), (w), FULL(w), cls, flags)
	switch (len) {
	case 1: ACC(0, 1); break;
	case 2: ACC(0, 2); ACC(0, 1); break;
	case 3: ACC(1, 2); ACC(0, 1); break;
	case 4: ACC(0, 4); ACC(0, 4); break;
	case 7: ACC(0, 4); ACC(3, 4); break;
	case 8: ACC(0, 8); ACC(0, 8); break;
	case 15: ACC(0, 8); ACC(7, 8); break;
	default:
		cls = MMIO_CLS_VECTOR;
		flags = MMIO_REC_SIMD;
		if (len == 16) {
			ACC(0, 16); ACC(0, 16);
		} else if (len == 33) {
			ACC(0, 32); ACC(1, 32);
		} else if (len == 64) {
			ACC(0, 64); ACC(0, 64);
		} else {
			for (i = 0; i < len; i++)
				push(kind, d + i, 1, 1, 1, MMIO_CLS_STRING, 0);
			ACC(0, 64);
		}
	}
#undef ACC
}

static void
test_glibc_x86(void)
{
	const struct pattern *t;
	char name[160];
	unsigned m, want;
	size_t i;
	int64_t d;

	for (i = 0; i < sizeof glibc_x86 / sizeof glibc_x86[0]; i++) {
		t = &glibc_x86[i];
		d = t->len > 64 ? 0x1000 : 0x40;
		clear();
		glibc_x86_records(t->len, d, MMIO_STORE);

		m = judge("arm64-device", MMIO_TO_DEVICE, (uint32_t)d, 0, t->len);
		snprintf(name, sizeof name, "glibc x86 memcpy %u bytes (%s) under arm64-device",
		         t->len, t->stores);
		expect(name, m, t->arm64);

		m = judge("x86-uc", MMIO_TO_DEVICE, (uint32_t)d, 0, t->len);
		snprintf(name, sizeof name, "glibc x86 memcpy %u bytes (%s) under x86-uc",
		         t->len, t->stores);
		expect(name, m, t->x86);

		m = judge("ram", MMIO_TO_DEVICE, (uint32_t)d, 0, t->len);
		snprintf(name, sizeof name, "glibc x86 memcpy %u bytes (%s) passes ram",
		         t->len, t->stores);
		expect(name, m, 0);

		m = judge("wc", MMIO_TO_DEVICE, (uint32_t)d, 0, t->len);
		want = t->arm64 & R(3);
		snprintf(name, sizeof name, "glibc x86 memcpy %u bytes (%s) under wc: %s",
		         t->len, t->stores, want ? "R3 warning only" : "nothing");
		T_CHECK(m == want && warn_mask == want, name, "fired %#x warn %#x;%s", m, warn_mask,
		        whys());

		/* Loads mirror the stores: R4 takes R3's place from the device. */
		clear();
		glibc_x86_records(t->len, d, MMIO_LOAD);
		m = judge("arm64-device", MMIO_FROM_DEVICE, (uint32_t)d, 0, t->len);
		want = t->arm64 & R(3) ? (t->arm64 & ~R(3)) | R(4) : t->arm64;
		snprintf(name, sizeof name,
		         "glibc x86 memcpy %u bytes from the device (loads mirrored) "
		         "under arm64-device",
		         t->len);
		expect(name, m, want);
	}
}

static void
test_other_routines(void)
{
	unsigned m;

	/* The reference's own example: four enabled lanes of vmovdqu8 zmm{k}. */
	clear();
	mst(0x10, 64, 1, 0xf);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("vmovdqu8 zmm{k} with 4 lanes, 4-byte request: R1 R2 R6 R7 (arm64-device)", m,
	       R(1) | R(2) | R(6) | R(7));
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("vmovdqu8 zmm{k} with 4 lanes, 4-byte request: R1 R2 R6 R7 (x86-uc)", m,
	       R(1) | R(2) | R(6) | R(7));

	/* __memcpy_sve: predicated st1b for up to 2*VL bytes (VL = 16 here). */
	clear();
	mst(0x18, 16, 1, 0xffff);
	mst(0x28, 16, 1, 0x00ff);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x18, 0, 24);
	expect("arm64 __memcpy_sve 24 bytes as two predicated st1b: R2 R6 R7", m,
	       R(2) | R(6) | R(7));

	/* __memcpy_generic 16..32: PAIR16 head and tail. */
	clear();
	push(MMIO_STORE, 0x20, 16, 8, FULL(16), MMIO_CLS_SCALAR, MMIO_REC_PAIR);
	push(MMIO_STORE, 0x24, 16, 8, FULL(16), MMIO_CLS_SCALAR, MMIO_REC_PAIR);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x20, 0, 20);
	expect("arm64 __memcpy_generic 20 bytes as PAIR16@0 PAIR16@4: R3 R5 R6", m,
	       R(3) | R(5) | R(6));

	/* Linux arm64 memcpy_toio: bytes until 8-aligned, so 4 aligned bytes go bytewise. */
	clear();
	for (int i = 0; i < 4; i++)
		st(0x24 + i, 1);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x24, 0, 4);
	expect("arm64 memcpy_toio of 4 bytes at 0x24 as 4 bytes: R1 R2 R7", m,
	       R(1) | R(2) | R(7));

	/*
	 * DPDK rte_mov15_or_less, 7 bytes: S4 S2 S1 from the start, no overlap.
	 * Aligned, that is the decomposition; one byte off, the S2 lands inside
	 * the 4-byte piece at 0x44 and tears it.
	 */
	clear();
	st(0x40, 4);
	st(0x44, 2);
	st(0x46, 1);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x40, 0, 7);
	expect("DPDK rte_mov15_or_less 7 bytes at 0x40 (S4 S2 S1) passes arm64-device", m, 0);
	clear();
	st(0x41, 4);
	st(0x45, 2);
	st(0x47, 1);
	m = judge("x86-uc", MMIO_TO_DEVICE, 0x41, 0, 7);
	expect("DPDK rte_mov15_or_less 7 bytes at 0x41 breaks R2 R7 (x86-uc)", m, R(2) | R(7));
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x41, 0, 7);
	expect("DPDK rte_mov15_or_less 7 bytes at 0x41 breaks R2 R5 R7 (arm64-device)", m,
	       R(2) | R(5) | R(7));
}

/* ---- the reference shape -------------------------------------------------- */

static void
test_natural(void)
{
	static const uint32_t lens[] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 31, 33, 64, 100,
	};
	static const char *const profs[] = { "arm64-device", "x86-uc", "wc", "ram" };
	static const char *const dirs[] = { "to-device", "from-device", "within" };
	char name[160], g[64];
	unsigned pi, d, off, m, bad_m = 0, bad_w = 0, want_w;
	uint32_t len, bad_len = 0, bad_off = 0, tried;
	size_t li;
	int ok;

	for (pi = 0; pi < 4; pi++) {
		for (d = 0; d < 3; d++) {
			ok = 1;
			tried = 0;
			for (li = 0; li < sizeof lens / sizeof lens[0] && ok; li++) {
				len = lens[li];
				for (off = 0; off < 16 && ok; off++) {
					uint32_t dev = 0x100 + off, src = 0x300 + (off * 5) % 16;

					clear();
					if (d == MMIO_TO_DEVICE) {
						natural(MMIO_STORE, dev, len);
					} else if (d == MMIO_FROM_DEVICE) {
						natural(MMIO_LOAD, dev, len);
					} else {
						natural(MMIO_LOAD, src, len);
						natural(MMIO_STORE, dev, len);
					}
					m = judge(profs[pi], d, dev, src, len);
					tried++;
					/* Only x86-uc's unaligned-R1 warning may show. */
					want_w = 0;
					if (pi == 1 && (len == 2 || len == 4 || len == 8) &&
					    (dev % len || (d == MMIO_WITHIN && src % len)))
						want_w = R(1);
					if (m != want_w || warn_mask != want_w ||
					    check_errors(fnd, nfnd) != 0) {
						ok = 0;
						bad_m = m;
						bad_w = want_w;
						bad_len = len;
						bad_off = off;
					}
				}
			}
			snprintf(name, sizeof name,
			         "aligned decomposition passes %s %s (%u offset/length pairs%s)",
			         profs[pi], dirs[d], tried,
			         pi == 1 ? ", R1 warning exactly when unaligned 2/4/8" : "");
			T_CHECK(ok, name, "len %u at +%u: fired %s (want warning %#x);%s", bad_len,
			        bad_off, mask_str(g, sizeof g, bad_m), bad_w, whys());
		}
	}

	clear();
	natural(MMIO_STORE, 0x1003, 15);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x1003, 0, 15);
	expect("aligned decomposition 15 bytes at 0x1003 (B W Q L) passes arm64-device", m, 0);
}

/* ---- edges and output shape --------------------------------------------- */

static void
test_edges(void)
{
	struct mmio_finding f[3] = {
		{ .rule = 1, .severity = MMIO_SEV_ERROR },
		{ .rule = 1, .severity = MMIO_SEV_WARN },
		{ .rule = 3, .severity = MMIO_SEV_ERROR },
	};
	unsigned m;
	size_t i;
	int ordered = 1;

	T_CHECK(check_errors(f, 3) == 2 && check_errors(f, 0) == 0,
	        "check_errors counts ERROR findings only", "got %zu", check_errors(f, 3));

	/* Everything wrong at once: findings come out one per rule, in rule order. */
	clear();
	st(0x10, 2);
	st(0x10, 1);
	vst(0x13, 16);
	st(0x12, 1);
	push(MMIO_LOAD, 0x10, 4, 4, 0xf, MMIO_CLS_SCALAR, 0);
	data_next = (struct data_result){ .region = DATA_DEST, .at = 0x10 };
	m = judge_with("arm64-device", "+R8", MMIO_TO_DEVICE, 0x10, 0, 8);
	for (i = 1; i < nfnd; i++)
		if (fnd[i].rule <= fnd[i - 1].rule)
			ordered = 0;
	T_CHECK(ordered && m == (R(1) | R(2) | R(3) | R(5) | R(6) | R(7) | R(8) | R(9) |
	        R(10) | R(11)), "one finding per rule, in rule order, when all break",
	        "%s", whys());

	clear();
	natural(MMIO_STORE, 0x100, 8192);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x100, 0, 8192);
	expect("request longer than MMIO_REQ_MAX_LEN: aligned decomposition passes", m, 0);

	clear();
	for (i = 0; i < 8192; i++)
		st(0x100 + (int64_t)i, 1);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x100, 0, 8192);
	expect("request longer than MMIO_REQ_MAX_LEN: bytewise stores break R2 R7", m,
	       R(2) | R(7));

	clear();
	natural(MMIO_STORE, 0x100, MMIO_REQ_MAX_LEN);
	natural(MMIO_STORE, 0x100 + MMIO_REQ_MAX_LEN, 8);
	natural(MMIO_STORE, 0x100 + MMIO_REQ_MAX_LEN, 8);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x100, 0, 8192);
	expect("bytes beyond MMIO_REQ_MAX_LEN are not tallied (R3 unjudged there)", m, 0);

	clear();
	st(0x10, 4);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 0);
	expect("empty request: any store is out of bounds", m, R(9));

	clear();
	push(MMIO_STORE, 0x10, 0, 0, 0, MMIO_CLS_UNKNOWN, 0);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 1);
	expect("width-0 record counts as one 1-byte access", m, 0);

	clear();
	push(MMIO_STORE, 0x10, 4, 4, 0, MMIO_CLS_SCALAR, 0);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("scalar record with clear lanes moves all its bytes", m, 0);

	clear();
	st(0x10, 4);
	mst(0x10, 64, 1, 0);
	m = judge("arm64-device", MMIO_TO_DEVICE, 0x10, 0, 4);
	expect("masked record with no lane enabled is no access", m, 0);
}

int
main(void)
{
	test_profiles();
	test_rule_names();
	test_apply_rules();
	test_r1();
	test_r2();
	test_r3();
	test_r4();
	test_r5();
	test_r6();
	test_r7();
	test_r8();
	test_r9();
	test_r10();
	test_r11();
	test_glibc_x86();
	test_other_routines();
	test_natural();
	test_edges();
	return t_exit();
}
