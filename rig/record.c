/*
 * record.c - the vocabulary every layer reads records and findings with:
 * names of directions, classes, rules and severities, how a record counts
 * (its kind and the bytes it moved), and how offsets print. The checker, the
 * runner, the logs and the pictures all use these, so they cannot disagree.
 * Pure functions, no state.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

const char *const dir_names[] = { "to-device", "from-device", "within", NULL };

static const char *const class_names[MMIO_NCLASS] = {
	"scalar", "vector", "masked", "string", "nontemporal", "direct", "rmw", "unknown",
	"zeroing",
};

const char *
dir_name(enum mmio_dir d)
{
	return (unsigned)d < MMIO_NDIR ? dir_names[d] : "?";
}

int
dir_parse(const char *name, enum mmio_dir *out)
{
	unsigned i;

	for (i = 0; dir_names[i]; i++)
		if (strcmp(name, dir_names[i]) == 0) {
			*out = (enum mmio_dir)i;
			return 0;
		}
	return rig_fail(EINVAL, "unknown direction '%s' (valid: to-device, from-device, within)",
	                name);
}

const char *
class_name(unsigned cls)
{
	return cls < MMIO_NCLASS ? class_names[cls] : "?";
}

static uint64_t
lanes_all(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

unsigned
record_kind(const struct mmio_record *r)
{
	return r->kind == MMIO_LOAD ? MMIO_LOAD : MMIO_STORE;
}

unsigned
record_span(const struct mmio_record *r, uint64_t *lanes)
{
	unsigned w = r->width ? r->width : 1;
	uint64_t m;

	if (w > MMIO_MAX_WIDTH)
		w = MMIO_MAX_WIDTH;
	m = r->width ? r->lanes & lanes_all(w) : 1;
	/* a whole access recorded without lanes moved all of its bytes */
	if (!m && r->cls != MMIO_CLS_MASKED)
		m = lanes_all(w);
	*lanes = m;
	return w;
}

void
offset_text(char *buf, size_t n, int64_t off)
{
	if (off < 0) /* negated unsigned: INT64_MIN has no signed opposite */
		snprintf(buf, n, "-0x%llx", (unsigned long long)-(uint64_t)off);
	else
		snprintf(buf, n, "0x%llx", (unsigned long long)off);
}

static const char *const rule_names[MMIO_NRULES + 1] = {
	[1] = "width-exact",
	[2] = "no-narrowing",
	[3] = "write-once",
	[4] = "read-once",
	[5] = "aligned",
	[6] = "scalar-only",
	[7] = "no-tear",
	[8] = "ordered",
	[9] = "in-bounds",
	[10] = "right-kind",
	[11] = "data",
};

const char *
severity_name(unsigned sev)
{
	static const char *const names[] = { "off", "warning", "error" };

	return sev < sizeof names / sizeof names[0] ? names[sev] : "?";
}

const char *
rule_name(unsigned rule)
{
	if (rule < 1 || rule > MMIO_NRULES)
		return "?";
	return rule_names[rule];
}
