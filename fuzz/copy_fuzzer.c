/*
 * copy_fuzzer.c - the engine-neutral copy fuzz target: input bytes ->
 * request -> helper under the trapping rig -> checker -> verdict.
 *
 * Coverage of uninstrumented helpers (libc, assembly) comes from the access
 * shapes: every record and finding becomes a feature handed to the driver, so
 * an engine steers toward new instruction paths even where it sees no edges.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy_fuzzer.h"
#include "helpers.h"

#define MAX_SELECTED 128

static struct {
	struct rig *rig;
	struct fuzz_opts opt;
	const struct mmio_helper *helpers[MAX_SELECTED]; /* selected, in flag order */
	unsigned nhelpers;
	struct profile profiles[8];                      /* selected, rules applied */
	unsigned nprofiles;
	const char *libs;                                /* -helper_lib= as given, or NULL */
	const char *rules;                               /* -rules= as given, or NULL */
	struct fault_plan plan;                          /* -fault=PLAN */
	struct fault_plan plan_in;                       /* -fault=fuzz: the last input's */
	enum run_outcome last_outcome;                   /* of the last judged request */
	bool fault_fuzz;                                 /* -fault=fuzz: byte 11 decides */
	bool ready;
	/* the per-request time limit (-timeout=) */
	sigjmp_buf timeout_jmp;
	volatile sig_atomic_t in_request;
	bool timed_out;
} fz;

const char *const fuzz_rig_flags[] = {
	"helper", "helper_lib", "profile", "rules", "strategy", "bar", "model", "bar_size",
	"max_copy_len", "timeout", "json", "fault", "window", "allow-write", "dry-run",
	"dry-run-read", "save-window", NULL,
};

const char *const fuzz_rig_switches[] = {
	"allow-write", "dry-run", "dry-run-read", "save-window", NULL,
};

const char fuzz_flags_help[] =
"  -helper=NAME[,NAME..]  helpers to drive (default: every built-in); -helper=help lists them\n"
"  -helper_lib=PATH[,..]  load helpers from a shared object first (see examples/README.md)\n"
"  -profile=NAME[,NAME..] profiles to judge under (default: arm64-device);\n"
"                         -profile=help lists them\n"
"  -rules=SPEC            switch rules in every selected profile: +R8 on, -R5 off, R3=warn\n"
"  -strategy=NAME         how an access is logged: translate (run a translated copy of\n"
"                         the helper that logs inline, no trap per access; the default\n"
"                         on the mock, x86-64), emulate (decode, perform it in C on the\n"
"                         alias; the default on the mock elsewhere), exec (run the\n"
"                         helper's own instruction on the alias inside the handler; the\n"
"                         default where the alias is a device), step (single-step the\n"
"                         real instruction: two traps per access)\n"
"  -bar=NAME[:ARGS]       BAR backend (default mock); -bar=help lists them with their\n"
"                         arguments (every backend takes window=LO-HI and ro)\n"
"  -model=NAME[:ARGS]     device model behind the BAR (default plain); -model=help\n"
"  -fault=PLAN            inject faults: remove@N:ones|zeros|sigbus, drop@N, flip@N:BIT,\n"
"                         delay@N:US, ready@K[:OFF[:MASK]], comma-separated; -fault=fuzz\n"
"                         takes the plan from each input's byte 11 (corpora/README.md)\n"
"  -max_copy_len=N        longest copy an input decodes to, 0..4096 (default 4096)\n"
"  -bar_size=BYTES        mock BAR size, a multiple of the page size (default 65536)\n"
"  -json=1                JSON lines instead of the text log\n"
"Real devices (-bar=pci:, uio:, vfio:; docs/real-bars.md):\n"
"  -window=OFFSET+LEN     the only BAR bytes the rig and the helper may touch (required);\n"
"                         requests fall inside it, an access outside it is stopped\n"
"                         before it is performed and ends the request\n"
"  -allow-write           let stores reach the device (read-only otherwise: copy_replay\n"
"                         refuses a to-device or within request before the helper runs;\n"
"                         copy_fuzzer decodes every input, a to-device one's included,\n"
"                         to a from-device copy, when the helper has one)\n"
"  -dry-run               run the helper on a copy of the window (zeros), print what\n"
"                         would have been issued, touch nothing\n"
"  -dry-run-read          with -dry-run: fill the copy with the window's bytes, read\n"
"                         from the device once\n"
"  -save-window           read the window before each request and write it back after\n"
"                         (needs -allow-write; reads have side effects on devices)\n"
"  The profile defaults to the mapping's (x86-uc or arm64-device uncached, wc for\n"
"  ,wc); emulate is refused on a device (step and exec issue the helper's own\n"
"  instructions). The switches also take =1 / =0 (copy_fuzzer: write -allow-write=1).\n"
"  copy_fuzzer refuses -fork=/-jobs= with vfio: (one process may hold a VFIO group).\n"
"Numbers are decimal or 0x-hex; a leading 0 does not make them octal.\n";

struct fuzz_opts *
fuzz_options(void)
{
	return &fz.opt;
}

/* ---- flags ------------------------------------------------------------------ */

const char *
fuzz_flag(const char *arg, const char *name)
{
	size_t n = strlen(name);

	if (arg[0] == '-' && arg[1] == '-')
		arg++; /* --flag=value is accepted as -flag=value */
	if (arg[0] != '-' || strncmp(arg + 1, name, n) != 0 || arg[1 + n] != '=')
		return NULL;
	return arg + 2 + n;
}

int
fuzz_number(const char *tool, const char *name, const char *v, unsigned long lo,
            unsigned long hi, uint32_t *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, v[0] == '0' && (v[1] == 'x' || v[1] == 'X') ? 16 : 10);
	if (errno || end == v || *end || v[0] == '-' || v[0] == '+' || v[0] == ' ' ||
	    (end == v + 2 && v[1] == 'x') || n < lo || n > hi) {
		fprintf(stderr, "%s: -%s=%s: not a number from %lu to %lu\n", tool, name, v, lo, hi);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

int
fuzz_check_flags(const char *tool, int argc, char **argv, const char *const *valid)
{
	int a, k;

	for (a = 1; a < argc; a++) {
		if (argv[a][0] != '-')
			continue;
		bool on, is_switch = false;

		for (k = 0; valid[k] && !fuzz_flag(argv[a], valid[k]); k++)
			;
		for (int sw = 0; !valid[k] && !is_switch && fuzz_rig_switches[sw]; sw++)
			is_switch = fuzz_switch(argv[a], fuzz_rig_switches[sw], &on);
		if (is_switch)
			continue;
		if (valid[k])
			continue;
		fprintf(stderr, "%s: unknown flag '%s' (valid: ", tool, argv[a]);
		for (k = 0; valid[k]; k++)
			fprintf(stderr, "%s-%s=", k ? ", " : "", valid[k]);
		fprintf(stderr, "); see --help\n");
		return EXIT_USAGE;
	}
	return 0;
}

static void
list_profiles(FILE *f)
{
	const struct profile *p;

	for (p = profiles; p->name; p++)
		fprintf(f, "  %-14s %s\n", p->name, p->desc);
}

static void
valid_helpers(FILE *f)
{
	fprintf(f, "valid helpers:\n");
	helper_list(f);
}

static int
select_helpers(const char *spec)
{
	char buf[4096], *tok, *save = NULL;
	const struct mmio_helper *h;

	if (strcmp(spec, "help") == 0) {
		helper_list(stdout);
		exit(EXIT_CLEAN);
	}
	snprintf(buf, sizeof buf, "%s", spec);
	fz.nhelpers = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		h = helper_lookup(tok);
		if (!h) {
			fprintf(stderr, "error: unknown helper '%s'\n", tok);
			valid_helpers(stderr);
			return EXIT_USAGE;
		}
		if (fz.nhelpers == MAX_SELECTED) {
			fprintf(stderr, "error: more than %d helpers selected\n", MAX_SELECTED);
			return EXIT_USAGE;
		}
		fz.helpers[fz.nhelpers++] = h;
	}
	if (!fz.nhelpers) {
		fprintf(stderr, "error: -helper= names no helper\n");
		return EXIT_USAGE;
	}
	return 0;
}

static int
select_profiles(const char *spec)
{
	char buf[1024], *tok, *save = NULL;
	const struct profile *p;

	if (strcmp(spec, "help") == 0) {
		list_profiles(stdout);
		exit(EXIT_CLEAN);
	}
	snprintf(buf, sizeof buf, "%s", spec);
	fz.nprofiles = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		p = profile_lookup(tok);
		if (!p) {
			fprintf(stderr, "error: unknown profile '%s'; valid profiles:\n", tok);
			list_profiles(stderr);
			return EXIT_USAGE;
		}
		if (fz.nprofiles == sizeof fz.profiles / sizeof fz.profiles[0]) {
			fprintf(stderr, "error: too many profiles selected\n");
			return EXIT_USAGE;
		}
		fz.profiles[fz.nprofiles++] = *p;
	}
	if (!fz.nprofiles) {
		fprintf(stderr, "error: -profile= names no profile\n");
		return EXIT_USAGE;
	}
	return 0;
}

bool
fuzz_switch(const char *arg, const char *name, bool *on)
{
	const char *v = fuzz_flag(arg, name);

	if (arg[0] == '-' && arg[1] == '-')
		arg++;
	if (arg[0] == '-' && !strcmp(arg + 1, name)) {
		*on = true;
		return true;
	}
	if (!v)
		return false;
	*on = strcmp(v, "0") != 0;
	return true;
}

/* "OFFSET+LEN" into *off, *len (len > 0). */
static bool
parse_window(const char *v, unsigned long long *off, unsigned long long *len)
{
	char buf[64], *plus;

	snprintf(buf, sizeof buf, "%s", v);
	if (!(plus = strchr(buf, '+')))
		return false;
	*plus = 0;
	return fuzz_parse_u64(buf, off) && fuzz_parse_u64(plus + 1, len) && *len > 0;
}

bool
fuzz_parse_u64(const char *v, unsigned long long *out)
{
	bool hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
	const char *digits = hex ? v + 2 : v;
	char *end;

	/* strtoull would take a sign, spaces and, with base 0, octal: none of them */
	if (!*digits || !(hex ? strchr("0123456789abcdefABCDEF", *digits)
	                      : strchr("0123456789", *digits)))
		return false;
	errno = 0;
	*out = strtoull(digits, &end, hex ? 16 : 10);
	return !errno && !*end;
}

static int
parse_size(const char *name, const char *v, size_t *out)
{
	unsigned long long n;

	if (!fuzz_parse_u64(v, &n) || n > SIZE_MAX) {
		fprintf(stderr, "error: -%s=%s is not a byte count (decimal or 0x-hex)\n", name, v);
		return EXIT_USAGE;
	}
	*out = (size_t)n;
	return 0;
}

static void
list_exit(const char *what)
{
	if (!strcmp(what, "bar"))
		bar_list(stdout);
	else
		devmodel_list(stdout);
	exit(EXIT_CLEAN);
}

int
fuzz_init(int argc, char **argv, const char **unknown)
{
	const char *helper_spec = NULL, *profile_spec = NULL, *rules = NULL, *v;
	unsigned long long woff = 0, wlen = 0;
	bool allow_write = false, dry_run = false, dry_run_read = false, save_window = false;
	struct rig_config cfg;
	char libs[4096], *tok, *save = NULL;
	const struct mmio_helper *const *all;
	size_t nall, i, n;
	uint32_t x;
	int a, err;

	fz.opt.strategy = LOG_AUTO;
	fz.opt.format = OUT_TEXT;
	fz.opt.bar_size = BAR_DEFAULT_SIZE;
	fz.opt.max_copy_len = MMIO_REQ_MAX_LEN;
	fz.opt.timeout = 10;
	if (helper_add_builtins(catalog) != 0) {
		fprintf(stderr, "error: %s\n", rig_error());
		return EXIT_RIG;
	}
	if (unknown)
		*unknown = NULL;
	for (a = 1; a < argc; a++) {
		if ((v = fuzz_flag(argv[a], "helper_lib"))) {
			fz.libs = v;
			snprintf(libs, sizeof libs, "%s", v);
			for (tok = strtok_r(libs, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				if (helper_load_plugin(tok) != 0) {
					fprintf(stderr, "error: %s\n", rig_error());
					return EXIT_USAGE;
				}
		} else if ((v = fuzz_flag(argv[a], "helper"))) {
			helper_spec = v;
		} else if ((v = fuzz_flag(argv[a], "profile"))) {
			profile_spec = v;
		} else if ((v = fuzz_flag(argv[a], "rules"))) {
			rules = v;
		} else if ((v = fuzz_flag(argv[a], "strategy"))) {
			if (logger_strategy_parse(v, &fz.opt.strategy) != 0) {
				fprintf(stderr, "error: %s\n", rig_error());
				return EXIT_USAGE;
			}
		} else if ((v = fuzz_flag(argv[a], "bar_size"))) {
			if ((err = parse_size("bar_size", v, &fz.opt.bar_size)) != 0)
				return err;
		} else if ((v = fuzz_flag(argv[a], "bar"))) {
			if (!strcmp(v, "help"))
				list_exit("bar");
			fz.opt.bar = v;
		} else if ((v = fuzz_flag(argv[a], "model"))) {
			if (!strcmp(v, "help"))
				list_exit("model");
			fz.opt.model = v;
		} else if ((v = fuzz_flag(argv[a], "timeout"))) {
			if (fuzz_number("error", "timeout", v, 0, 86400, &x) != 0)
				return EXIT_USAGE;
			fz.opt.timeout = x;
		} else if ((v = fuzz_flag(argv[a], "max_copy_len"))) {
			if ((err = parse_size("max_copy_len", v, &n)) != 0)
				return err;
			if (n > MMIO_REQ_MAX_LEN) {
				fprintf(stderr, "error: -max_copy_len=%zu is over %u\n", n, MMIO_REQ_MAX_LEN);
				return EXIT_USAGE;
			}
			fz.opt.max_copy_len = (uint32_t)n;
		} else if ((v = fuzz_flag(argv[a], "fault"))) {
			fz.fault_fuzz = !strcmp(v, "fuzz");
			if (!fz.fault_fuzz && fault_parse(v, &fz.plan) != 0) {
				fprintf(stderr, "error: %s\n", rig_error());
				return EXIT_USAGE;
			}
		} else if ((v = fuzz_flag(argv[a], "window"))) {
			if (!parse_window(v, &woff, &wlen)) {
				fprintf(stderr, "error: -window=%s: expected OFFSET+LEN, BAR offset and "
				        "byte count (decimal or 0x-hex, LEN > 0), e.g. -window=0+4096\n", v);
				return EXIT_USAGE;
			}
		} else if (fuzz_switch(argv[a], "allow-write", &allow_write) ||
		           fuzz_switch(argv[a], "dry-run", &dry_run) ||
		           fuzz_switch(argv[a], "dry-run-read", &dry_run_read) ||
		           fuzz_switch(argv[a], "save-window", &save_window)) {
			continue;
		} else if ((v = fuzz_flag(argv[a], "json"))) {
			fz.opt.format = strcmp(v, "0") ? OUT_JSON : OUT_TEXT;
		} else if (unknown && !*unknown && argv[a][0] == '-') {
			*unknown = argv[a];
		}
	}
	if (helper_spec) {
		if ((err = select_helpers(helper_spec)) != 0)
			return err;
	} else {
		all = helper_all(&nall);
		for (i = 0; i < nall && fz.nhelpers < MAX_SELECTED; i++)
			fz.helpers[fz.nhelpers++] = all[i];
	}
	if (profile_spec && !strcmp(profile_spec, "help"))
		select_profiles(profile_spec); /* lists them and exits */
	memset(&cfg, 0, sizeof cfg);
	cfg.bar = fz.opt.bar;
	cfg.model = fz.opt.model;
	cfg.bar_size = fz.opt.bar_size;
	cfg.strategy = fz.opt.strategy;
	cfg.window_off = woff;
	cfg.window_len = wlen;
	cfg.allow_write = allow_write;
	cfg.dry_run = dry_run;
	cfg.dry_run_read = dry_run_read;
	cfg.save_window = save_window;
	fz.opt.window_off = woff;
	fz.opt.window_len = wlen;
	fz.opt.allow_write = allow_write;
	fz.opt.dry_run = dry_run;
	fz.opt.dry_run_read = dry_run_read;
	fz.opt.save_window = save_window;
	if ((err = rig_open(&fz.rig, &cfg)) != 0) {
		fprintf(stderr, "error: %s\n", rig_error());
		/* a bad name, argument or size is the user's; anything else (the device:
		 * its driver, permissions, lockdown, mapping) the rig's */
		return err == -EINVAL || err == -ERANGE ? EXIT_USAGE : EXIT_RIG;
	}
	/* the device's description, before the first access */
	if (rig_banner(fz.rig))
		fprintf(stderr, "%s", rig_banner(fz.rig));
	/* the profile the mapping calls for, unless one was asked for */
	if (!profile_spec)
		profile_spec = rig_default_profile(fz.rig) ? rig_default_profile(fz.rig)
		                                           : "arm64-device";
	if ((err = select_profiles(profile_spec)) != 0)
		return err;
	fz.rules = rules;
	for (i = 0; rules && i < fz.nprofiles; i++)
		if (profile_apply_rules(&fz.profiles[i], rules) != 0) {
			fprintf(stderr, "error: %s\n", rig_error());
			return EXIT_USAGE;
		}
	fz.opt.strategy = rig_strategy(fz.rig);
	if (rig_set_faults(fz.rig, &fz.plan) != 0) {
		fprintf(stderr, "error: %s\n", rig_error());
		return EXIT_USAGE;
	}
	/* a fault signal that reaches a helper is an outcome, not the tool's death */
	rig_catch_signals(fz.rig, true);
	fz.ready = true;
	return 0;
}

struct rig *
fuzz_rig(void)
{
	return fz.rig;
}

const struct profile *
fuzz_profile(unsigned i, unsigned *count)
{
	if (count)
		*count = fz.nprofiles;
	return &fz.profiles[i % fz.nprofiles];
}

const struct mmio_helper *const *
fuzz_helpers(unsigned *count)
{
	*count = fz.nhelpers;
	return fz.helpers;
}

const struct mmio_helper *
fuzz_helper(const char *name)
{
	unsigned i;

	for (i = 0; i < fz.nhelpers; i++)
		if (strcmp(fz.helpers[i]->name, name) == 0)
			return fz.helpers[i];
	return NULL;
}

/* ---- the control block -------------------------------------------------------- */

static unsigned
u16_at(const uint8_t *b, unsigned i)
{
	return b[i] | (unsigned)b[i + 1] << 8;
}

/* An offset: low half at lo, high half at hi, so BARs past 64 KiB are reached
 * and inputs written for 64 KiB (high half zero) keep their meaning. */
static uint64_t
u32_at(const uint8_t *b, unsigned lo, unsigned hi)
{
	return u16_at(b, lo) | (uint64_t)u16_at(b, hi) << 16;
}

/* The longest length the helper can be asked for, within the tools' bound. */
static uint32_t
len_limit(const struct mmio_helper *h)
{
	if (h->max_len && h->max_len < fz.opt.max_copy_len)
		return (uint32_t)h->max_len;
	return fz.opt.max_copy_len;
}

void
fuzz_decode(const uint8_t *data, size_t size, struct mmio_request *q, unsigned *profile)
{
	uint8_t b0 = size > 0 ? data[0] : 0, b1 = size > 1 ? data[1] : 0;

	fuzz_decode_for(fz.helpers[b0 % fz.nhelpers], data, size, q);
	*profile = b1 % fz.nprofiles;
}

void
fuzz_decode_for(const struct mmio_helper *h, const uint8_t *data, size_t size,
                struct mmio_request *q)
{
	uint8_t b[FUZZ_BLOCK] = { 0 };
	unsigned dirs[MMIO_NDIR], ndir = 0, d, lens[32], nlens = 0, unit, align;
	uint64_t lo, hi, span, room;
	uint32_t max;

	memcpy(b, data, size < FUZZ_BLOCK ? size : FUZZ_BLOCK);
	memset(q, 0, sizeof *q);
	q->helper = h;
	/* a read-only BAR takes from-device copies only, when the helper has them */
	for (d = 0; d < MMIO_NDIR; d++)
		if (h->copy[d] && (!rig_read_only(fz.rig) || d == MMIO_FROM_DEVICE))
			dirs[ndir++] = d;
	q->dir = ndir ? (enum mmio_dir)dirs[b[2] % ndir] : MMIO_TO_DEVICE;
	q->host_misalign = b[3] % MMIO_HOST_ALIGN;

	max = len_limit(h);
	unit = h->len_unit > 1 ? h->len_unit : 1;
	if (h->lens) {
		for (d = 0; d < 32; d++)
			if ((h->lens >> d & 1) && d <= max && d % unit == 0)
				lens[nlens++] = d;
	}
	if (nlens)
		q->len = lens[u16_at(b, 4) % nlens];
	else
		q->len = (u16_at(b, 4) % (max / unit + 1)) * unit;

	/* offsets fall inside the window, at the helper's alignment */
	align = h->dev_align > 1 ? h->dev_align : 1;
	rig_window(fz.rig, &lo, &hi);
	if ((lo + align - 1) / align * align < hi)
		lo = (lo + align - 1) / align * align;
	else
		align = 1; /* no aligned offset in the window: the helper will not take it */
	span = hi > lo ? hi - lo : 0;
	if (q->len > span)
		q->len = (uint32_t)(span / unit * unit);
	room = span - q->len;
	q->dev_off = (uint32_t)(lo + (u32_at(b, 6, 12) % (room + 1)) / align * align);
	if (q->dir == MMIO_WITHIN)
		q->src_off = (uint32_t)(lo + (u32_at(b, 8, 14) % (room + 1)) / align * align);
	q->pattern = b[10];
	if (fz.fault_fuzz)
		fuzz_decode_fault(b[11], &fz.plan_in);
}

void
fuzz_decode_fault(uint8_t b, struct fault_plan *p)
{
	struct fault_item *it = &p->item[0];
	unsigned n = b >> 3;

	memset(p, 0, sizeof *p);
	switch (b & 7) {
	case 0:
		break;
	case 1: case 2: case 3:
		*it = (struct fault_item){ .kind = FAULT_REMOVE, .mode = (uint8_t)((b & 7) - 1),
		                           .at = n };
		break;
	case 4:
		*it = (struct fault_item){ .kind = FAULT_DROP, .at = n };
		break;
	case 5:
		*it = (struct fault_item){ .kind = FAULT_FLIP, .at = n, .arg = n & 7 };
		break;
	case 6:
		*it = (struct fault_item){ .kind = FAULT_DELAY, .at = n, .arg = 50 };
		break;
	case 7:
		*it = (struct fault_item){ .kind = FAULT_READY, .arg = n };
		break;
	}
	p->n = it->kind != FAULT_NONE;
	/* a model without ready bits takes no ready@K: the input runs without faults */
	if (fz.rig && rig_set_faults(fz.rig, p) != 0) {
		memset(p, 0, sizeof *p);
		rig_set_faults(fz.rig, p);
	}
}

/* ---- judging -------------------------------------------------------------------- */

static uint32_t
mix(uint32_t h, uint32_t v)
{
	h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
	return h;
}

/* Where an access starts relative to its range: before, first byte, inside, last piece, after. */
static uint32_t
position(const struct mmio_request *q, const struct mmio_record *r)
{
	int64_t lo = r->kind == MMIO_LOAD && q->dir == MMIO_WITHIN ? q->src_off : q->dev_off;
	int64_t hi = lo + q->len;

	if (r->offset < lo)
		return 0;
	if (r->offset == lo)
		return 1;
	if (r->offset >= hi)
		return 4;
	return r->offset + r->width >= hi ? 3 : 2;
}

static void
features(const struct check_input *in, const struct mmio_finding *f, size_t nf)
{
	const struct mmio_record *r = in->recs, *prev = NULL;
	uint32_t shape, last = 0;
	size_t i;

	fuzz_feature(mix(0x51, in->nrecs < 16 ? (uint32_t)in->nrecs : 16 + (uint32_t)(in->nrecs >> 4)));
	for (i = 0; i < in->nrecs; i++, prev = r++) {
		shape = mix(mix(mix(r->kind, r->cls), r->width), mix(r->elem, r->flags));
		shape = mix(shape, (uint32_t)(r->offset & 7) | position(in->req, r) << 3);
		fuzz_feature(shape);
		/* consecutive pairs: order and overlap of the helper's moves */
		if (prev)
			fuzz_feature(mix(mix(last, shape), r->offset == prev->offset ? 1 :
			                 r->offset < prev->offset ? 2 : 3));
		last = shape;
	}
	for (i = 0; i < nf; i++)
		fuzz_feature(mix(0xf00d, f[i].rule | (uint32_t)f[i].severity << 8));
}

void
fuzz_request_args(char *buf, size_t n, const struct mmio_request *q, const char *profile)
{
	int o = snprintf(buf, n, "-helper=%s -profile=%s -dir=%s -offset=0x%x", q->helper->name,
	                 profile, dir_name(q->dir), q->dev_off);

	if (q->dir == MMIO_WITHIN && o > 0 && (size_t)o < n)
		o += snprintf(buf + o, n - (size_t)o, " -src-offset=0x%x", q->src_off);
	if (o > 0 && (size_t)o < n)
		o += snprintf(buf + o, n - (size_t)o, " -len=%u -src-align=%u -pattern=%u", q->len,
		              q->host_misalign, q->pattern);
	if (fz.rig && rig_fault_plan(fz.rig)->n && o > 0 && (size_t)o < n) {
		char plan[256];

		fault_text(plan, sizeof plan, rig_fault_plan(fz.rig));
		snprintf(buf + o, n - (size_t)o, " -fault=%s", plan);
	}
}

bool
fuzz_read_input(const char *path, uint8_t *buf, size_t *n, char *why, size_t whyn)
{
	struct stat st;
	FILE *f;

	if (stat(path, &st) != 0) {
		snprintf(why, whyn, "%s", strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whyn, "not a regular file");
		return false;
	}
	if ((uint64_t)st.st_size > FUZZ_INPUT_MAX) {
		snprintf(why, whyn, "%lld bytes, larger than any copy_fuzzer input (%u)",
		         (long long)st.st_size, FUZZ_INPUT_MAX);
		return false;
	}
	if (!(f = fopen(path, "rb"))) {
		snprintf(why, whyn, "cannot open: %s", strerror(errno));
		return false;
	}
	*n = fread(buf, 1, FUZZ_INPUT_MAX, f);
	if (ferror(f)) {
		snprintf(why, whyn, "cannot read: %s", strerror(errno));
		fclose(f);
		return false;
	}
	fclose(f);
	return true;
}

bool
fuzz_sweep_read(const char *path, struct sweep_verdict *c)
{
	char line[2048], *f[9], *p;
	FILE *in;
	int n;

	memset(c, 0, sizeof *c);
	if (!(in = fopen(path, "r")))
		return false;
	while (fgets(line, sizeof line, in)) {
		line[strcspn(line, "\n")] = 0;
		for (n = 0, p = line; n < 9; n++) {
			f[n] = p;
			if (!(p = strchr(p, '\t'))) {
				n++;
				break;
			}
			*p++ = 0;
		}
		if (n >= 2 && !strcmp(f[0], "verdict")) {
			c->ran = true;
			c->fail = !strcmp(f[1], "fail");
		} else if (n >= 8 && !strcmp(f[0], "rule") && !strcmp(f[3], "error")) {
			size_t o = strlen(c->rules);

			snprintf(c->rules + o, sizeof c->rules - o, "%s%s", o ? " " : "", f[1]);
			if (!c->replay[0])
				snprintf(c->replay, sizeof c->replay, "%s", f[6]);
		}
	}
	fclose(in);
	return c->ran;
}

const char *
fuzz_replay_tool(void)
{
#if defined(__aarch64__)
	static char tool[160];
	const char *cpu = getenv("MMIORIG_CPU");

	if (!tool[0])
		snprintf(tool, sizeof tool, "scripts/arm64 -cpu=%s copy_replay",
		         cpu && *cpu ? cpu : "max");
	return tool;
#else
	return "build/copy_replay";
#endif
}

/* The command that replays q: the run's own rig flags, then the request. */
static void
print_replay_cmd(FILE *out, const struct mmio_request *q, const struct profile *p)
{
	char args[512];

	fprintf(out, "# replay: %s", fuzz_replay_tool());
	if (fz.libs)
		fprintf(out, " -helper_lib=%s", fz.libs);
	if (fz.rules)
		fprintf(out, " -rules=%s", fz.rules);
	if (fz.opt.bar_size != BAR_DEFAULT_SIZE)
		fprintf(out, " -bar_size=%zu", fz.opt.bar_size);
	if (fz.opt.bar)
		fprintf(out, " -bar=%s", fz.opt.bar);
	if (fz.opt.window_len)
		fprintf(out, " -window=0x%llx+%llu", (unsigned long long)fz.opt.window_off,
		        (unsigned long long)fz.opt.window_len);
	if (fz.opt.allow_write)
		fprintf(out, " -allow-write");
	if (fz.opt.dry_run)
		fprintf(out, " -dry-run%s", fz.opt.dry_run_read ? " -dry-run-read" : "");
	if (fz.opt.save_window)
		fprintf(out, " -save-window");
	if (fz.opt.model)
		fprintf(out, " -model=%s", fz.opt.model);
	fuzz_request_args(args, sizeof args, q, p->name);
	fprintf(out, " %s -strategy=%s\n", args, logger_strategy_names[fz.opt.strategy]);
}

int
fuzz_validate(const struct mmio_request *q)
{
	return rig_validate(fz.rig, q);
}

static void
pictures(const struct mmio_request *q, const struct profile *p, const struct check_input *in,
         const struct mmio_finding *f, size_t nf)
{
	FILE *out;

	if (fz.opt.svg_path) {
		if ((out = fopen(fz.opt.svg_path, "w"))) {
			svg_access_map(out, q, in->recs, in->nrecs, f, nf);
			if (fclose(out) == 0)
				goto html;
		}
		fprintf(stderr, "error: cannot write %s: %s\n", fz.opt.svg_path, strerror(errno));
		fz.opt.picture_errors++;
	}
html:
	if (fz.opt.html_path) {
		if ((out = fopen(fz.opt.html_path, "w"))) {
			html_request_run(out, q, p->name, logger_strategy_names[fz.opt.strategy],
			                 in->recs, in->nrecs, in->lost, f, nf, in);
			if (fclose(out) == 0)
				return;
		}
		fprintf(stderr, "error: cannot write %s: %s\n", fz.opt.html_path, strerror(errno));
		fz.opt.picture_errors++;
	}
}

static void
on_alarm(int sig)
{
	(void)sig;
	if (fz.in_request)
		siglongjmp(fz.timeout_jmp, 1);
}

/*
 * rig_run under the per-request time limit: a helper that does not return in
 * time is abandoned (the logger disarmed and the view closed again) and the
 * request becomes a timeout finding. Jumping out of the helper is safe for the
 * rig's state; the helper's own is its business, and the next request starts
 * from a freshly painted window.
 */
static int
run_timed(const struct mmio_request *q, struct check_input *in)
{
	struct sigaction sa;
	int err;

	fz.timed_out = false;
	if (!fz.opt.timeout)
		return rig_run(fz.rig, q, in);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	if (sigsetjmp(fz.timeout_jmp, 1)) {
		fz.in_request = 0;
		rig_abandon(fz.rig);
		fz.timed_out = true;
		return -ETIMEDOUT;
	}
	fz.in_request = 1;
	alarm(fz.opt.timeout);
	err = rig_run(fz.rig, q, in);
	alarm(0);
	fz.in_request = 0;
	return err;
}

bool
fuzz_timed_out(void)
{
	bool t = fz.timed_out;

	fz.timed_out = false;
	return t;
}

enum fuzz_verdict
fuzz_request(const struct mmio_request *q, unsigned pi)
{
	struct check_input in;
	struct mmio_finding f[CHECK_MAX_FINDINGS];
	const struct profile *p = &fz.profiles[pi % fz.nprofiles];
	const char *strategy = logger_strategy_names[fz.opt.strategy];
	FILE *out = stdout;
	enum run_outcome outcome;
	size_t nf, nerr;
	int err;

	err = run_timed(q, &in);
	if (err == -ENOTSUP || err == -EROFS) {
		if (fz.opt.verbose) {
			out_request(out, fz.opt.format, q, p->name, strategy);
			fprintf(out, fz.opt.format == OUT_JSON ? "{\"not_judged\":\"%s\"}\n"
			                                       : "# not judged: %s\n", rig_error());
		}
		return FUZZ_SKIPPED;
	}
	if (err == -ETIMEDOUT) {
		out_request(out, fz.opt.format, q, p->name, strategy);
		if (fz.opt.format == OUT_JSON)
			fprintf(out, "{\"timeout\":%u,\"why\":\"helper %s did not return within "
			        "%u s\"}\n", fz.opt.timeout, q->helper->name, fz.opt.timeout);
		else
			fprintf(out, "! timeout error after=%us: helper %s did not return within %u s "
			        "(a hang is a finding; -timeout= sets the limit)\n", fz.opt.timeout,
			        q->helper->name, fz.opt.timeout);
		fz.last_outcome = OUTCOME_HUNG;
		if (rig_fault_plan(fz.rig)->n || fz.opt.model)
			out_outcome(out, fz.opt.format, &(struct check_input){ 0 }, OUTCOME_HUNG,
			            q->helper->name);
		if (fz.opt.format == OUT_TEXT)
			print_replay_cmd(out, q, p);
		fflush(out);
		return FUZZ_FINDING;
	}
	if (err) {
		/* every decoded request is in range by construction: this is the rig's fault */
		fprintf(stderr, "mmiorig: cannot run the request: %s\n", rig_error());
		abort();
	}
	outcome = rig_outcome(&in, false);
	{
		/* with a fault injected, the data is expected to suffer: the outcome says
		 * what it became, R11 does not judge it */
		struct check_input judged = in;

		if (in.nfaults && in.data.region == DATA_DEST)
			judged.data.region = DATA_OK;
		/* a device routine is no copy: the copy rules do not judge it */
		nf = in.routine ? 0 : check_request(&judged, p, f);
	}
	nerr = check_errors(f, nf) + in.ndamage + in.damage_lost + (in.signalled ? 1 : 0) +
	       (in.over_budget ? 1 : 0) + (in.stopped ? 1 : 0);
	features(&in, f, nf);
	fuzz_feature(mix(0xfa17, (uint32_t)outcome | (uint32_t)in.nfaults << 4 |
	                 (uint32_t)(in.ndamage < 15 ? in.ndamage : 15) << 8));
	for (size_t k = 0; k < in.nfaults; k++)
		fuzz_feature(mix(0xfa18, in.faults[k].kind | in.faults[k].mode << 4 |
		                 (in.faults[k].affected < 64 ? in.faults[k].affected : 64) << 8));
	if (fz.opt.svg_path || fz.opt.html_path)
		pictures(q, p, &in, f, nf);
	if (nerr || in.lost || in.unexecuted || fz.opt.verbose || (nf && !fz.opt.quiet)) {
		out_request(out, fz.opt.format, q, p->name, strategy);
		out_records(out, fz.opt.format, in.recs, in.nrecs, in.lost);
		out_findings(out, fz.opt.format, f, nf);
		out_stopped(out, fz.opt.format, &in);
		out_damage(out, fz.opt.format, &in);
		out_faults(out, fz.opt.format, &in);
		if (in.plan->n || in.signalled || in.ndamage || fz.opt.model || in.routine)
			out_outcome(out, fz.opt.format, &in, outcome, q->helper->name);
		if (fz.opt.format == OUT_TEXT) {
			if (in.lost)
				fprintf(out, "# verdict incomplete: %llu records lost\n",
				        (unsigned long long)in.lost);
			if (in.unexecuted)
				fprintf(out, "# verdict incomplete: %llu instructions recorded as unknown "
				        "could be neither emulated nor single-stepped here, and were "
				        "skipped\n", (unsigned long long)in.unexecuted);
			print_replay_cmd(out, q, p);
		} else if (in.unexecuted) {
			fprintf(out, "{\"unexecuted\":%llu}\n", (unsigned long long)in.unexecuted);
		}
		fflush(out);
	}
	fz.last_outcome = outcome;
	return nerr || in.lost || in.unexecuted ? FUZZ_FINDING : FUZZ_CLEAN;
}

enum run_outcome
fuzz_last_outcome(void)
{
	return fz.last_outcome;
}

enum fuzz_verdict
fuzz_one(const uint8_t *data, size_t size)
{
	struct mmio_request q;
	unsigned pi;

	fuzz_decode(data, size, &q, &pi);
	return fuzz_request(&q, pi);
}
