/*
 * profile.c - mapping profiles: which rules of docs/rules.md are
 * errors, warnings or off for one mapping type, and the rule switch list
 * that adjusts a profile from the command line.
 *
 * Profiles are data: the checker reads sev[] and the variant flags and has
 * no per-profile code path. R8 (ordered) is off in every profile because
 * only doorbell-last devices need it; "+R8" turns it on.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define E MMIO_SEV_ERROR
#define W MMIO_SEV_WARN
#define O MMIO_SEV_OFF

const struct profile profiles[] = {
	{
		.name = "arm64-device",
		.desc = "Arm Device memory (vfio pgprot_noncached): exact, aligned, scalar",
		/*       -  R1 R2 R3 R4 R5 R6 R7 R8 R9 R10 R11 */
		.sev = { O, E, E, E, E, E, E, E, O, E, E, E },
		.variant = 0,
	},
	{
		.name = "x86-uc",
		.desc = "x86 uncached BAR: unaligned scalar legal, vectors from 16 bytes",
		.sev = { O, E, E, E, E, O, E, E, O, E, E, E },
		.variant = PROF_R1_UNALIGNED_WARN | PROF_R6_X86,
	},
	{
		.name = "wc",
		.desc = "write-combined BAR (pgprot_writecombine, e.g. nvgrace device RAM)",
		.sev = { O, O, O, W, O, O, O, O, O, E, E, E },
		.variant = 0,
	},
	{
		.name = "ram",
		.desc = "plain RAM: the baseline that memcpy passes",
		.sev = { O, O, O, O, O, O, O, O, O, E, O, E },
		.variant = 0,
	},
	{ .name = NULL },
};

#undef E
#undef W
#undef O

const struct profile *
profile_lookup(const char *name)
{
	const struct profile *p;

	if (!name)
		return NULL;
	for (p = profiles; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/*
 * Parse "Rn" or "rn" at s (n decimal, 1..MMIO_NRULES); returns characters
 * used, 0 if s does not start with a rule id.
 */
static size_t
parse_rule_id(const char *s, size_t len, unsigned *rule)
{
	size_t i = 1;
	unsigned n = 0;

	if (len < 2 || (s[0] != 'R' && s[0] != 'r'))
		return 0;
	/* Three digits is already out of range; stopping there keeps n small. */
	while (i < len && i < 4 && s[i] >= '0' && s[i] <= '9')
		n = n * 10 + (unsigned)(s[i++] - '0');
	if (i == 1 || n < 1 || n > MMIO_NRULES)
		return 0;
	*rule = n;
	return i;
}

/* One switch: "+Rn", "-Rn" or "Rn=off|warn|error". Returns 0 or -1. */
static int
parse_switch(const char *tok, size_t len, unsigned *rule, uint8_t *sev)
{
	size_t used;

	if (len > 0 && (tok[0] == '+' || tok[0] == '-')) {
		used = parse_rule_id(tok + 1, len - 1, rule);
		if (!used || used != len - 1)
			return -1;
		*sev = tok[0] == '+' ? MMIO_SEV_ERROR : MMIO_SEV_OFF;
		return 0;
	}
	used = parse_rule_id(tok, len, rule);
	if (!used || used >= len || tok[used] != '=')
		return -1;
	tok += used + 1;
	len -= used + 1;
	if (len == 3 && strncasecmp(tok, "off", 3) == 0)
		*sev = MMIO_SEV_OFF;
	else if (len == 4 && strncasecmp(tok, "warn", 4) == 0)
		*sev = MMIO_SEV_WARN;
	else if (len == 5 && strncasecmp(tok, "error", 5) == 0)
		*sev = MMIO_SEV_ERROR;
	else
		return -1;
	return 0;
}

/*
 * Switches apply left to right, so "R4=error,R4=off" leaves R4 off; an
 * empty list changes nothing, an empty switch inside a list is an error. The
 * profile is changed only if the whole list parses: a typo must not leave
 * a half-applied profile behind a nonzero exit.
 */
int
profile_apply_rules(struct profile *p, const char *spec)
{
	uint8_t sev[MMIO_NRULES + 1];
	const char *tok = spec, *end;
	unsigned rule;
	uint8_t v;
	size_t len;

	if (!p || !spec)
		return rig_fail(EINVAL, "no profile or rule switch list given");
	if (!*spec)
		return 0;
	memcpy(sev, p->sev, sizeof sev);
	for (;;) {
		end = strchr(tok, ',');
		len = end ? (size_t)(end - tok) : strlen(tok);
		if (parse_switch(tok, len, &rule, &v) < 0)
			goto bad;
		sev[rule] = v;
		if (!end)
			break;
		tok = end + 1;
	}
	memcpy(p->sev, sev, sizeof sev);
	return 0;
bad:
	return rig_fail(EINVAL,
	                "bad rule switch '%.*s' in '%s': use +Rn (error), -Rn (off) "
	                "or Rn=off|warn|error, with n from 1 to %d, comma-separated",
	                (int)len, tok, spec, MMIO_NRULES);
}
