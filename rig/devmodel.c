/*
 * devmodel.c - device models: the table and what every model shares.
 *
 * A model decides what each access to the BAR does: perform it on the
 * device through the exact-width I/O, answer it itself, drop it, or fault.
 * The access logger asks it about every access in every strategy (see enum
 * dev_phase), and the runner resets it between requests. Adding a model is
 * adding a file with one struct devmodel_ops and a line below.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* The models, in -model=help order: one X(ops struct) each. */
#define DEVMODELS(X) \
	X(devmodel_plain) \
	X(devmodel_regs)

#define DECLARE(ops) extern const struct devmodel_ops ops;
#define ENTRY(ops) &ops,
DEVMODELS(DECLARE)
const struct devmodel_ops *const devmodels[] = { DEVMODELS(ENTRY) NULL };
#undef DECLARE
#undef ENTRY

void
devmodel_list(FILE *f)
{
	const struct devmodel_ops *const *m;

	for (m = devmodels; *m; m++)
		fprintf(f, "  %-10s %s\n  %-10s arguments: %s\n", (*m)->name, (*m)->desc, "",
		        (*m)->args[0] ? (*m)->args : "none");
}

int
devmodel_open(struct devmodel *m, const char *spec, struct bar *bar)
{
	const struct devmodel_ops *const *d;
	const char *colon;
	char valid[256] = "";
	size_t n;
	int err;

	memset(m, 0, sizeof *m);
	if (!spec)
		spec = "plain";
	colon = strchr(spec, ':');
	n = colon ? (size_t)(colon - spec) : strlen(spec);
	for (d = devmodels; *d; d++) {
		if (strlen((*d)->name) == n && strncmp((*d)->name, spec, n) == 0)
			break;
		snprintf(valid + strlen(valid), sizeof valid - strlen(valid), "%s%s",
		         valid[0] ? ", " : "", (*d)->name);
	}
	if (!*d)
		return rig_fail(EINVAL, "unknown device model '%.*s' (valid: %s; -model=help "
		                "describes them)", (int)n, spec, valid);
	m->ops = *d;
	m->bar = bar;
	if ((*d)->open && (err = (*d)->open(m, colon ? colon + 1 : NULL)) != 0) {
		m->ops = NULL;
		return err;
	}
	return 0;
}

void
devmodel_close(struct devmodel *m)
{
	if (m->ops && m->ops->close)
		m->ops->close(m);
	memset(m, 0, sizeof *m);
}
