/*
 * fence.c - the window fence: on a real device, an access outside the
 * window, or a store to a read-only BAR, is never performed and ends the
 * request.
 *
 * The fence is a device model in front of the one the logger asks (the
 * fault layer), so it sees every device access of every strategy before it
 * happens: emulate's (DEV_PERFORM) and step's and exec's (DEV_BEFORE, when
 * the model may still refuse). It refuses with the SIGXCPU stop that ends a
 * routine past its budget (fault.c): the logger queues it, rig_run catches
 * it, and the helper does not run on. Guard-page accesses never reach a
 * model and never reach the device (access_logger.c).
 *
 * The fence judges what the decoder says an instruction accesses. Where the
 * decoder knows it cannot say (undecodable, the xsave family, an operand too
 * wide to list: the access is flagged unsure), the fence stops the
 * instruction outright; a step on a device opens only the pages of the listed
 * accesses, so a decoding that is wrong without knowing it faults there, and
 * that fault comes here flagged too (access_logger.c, step_stop).
 *
 * Execution context: fence_access runs inside the access logger's fault
 * handler: no allocation, no stdio, no locks; it writes only its own state,
 * which rig_run reads after the helper.
 */
#include <signal.h>
#include <string.h>

#include "internal.h"

/* Whether the bytes a moves lie outside [lo, hi): its enabled lanes, so a masked
 * access whose disabled lanes hang over the window's edge (which the CPU does not
 * access) goes ahead; an access without lanes counts whole. */
static bool
outside(const struct fence *f, const struct dev_access *a)
{
	unsigned first = 0, last = a->width ? a->width - 1u : 0;

	if (a->lanes && a->width <= 64) {
		first = (unsigned)__builtin_ctzll(a->lanes);
		last = 63u - (unsigned)__builtin_clzll(a->lanes);
	}
	return a->off + first < f->lo || a->off + last >= f->hi;
}

static struct dev_result
fence_access(struct devmodel *m, const struct dev_access *a, uint8_t *buf)
{
	struct fence *f = m->priv;

	if (a->phase != DEV_AFTER && !f->stopped &&
	    (a->unsure || outside(f, a) || (f->read_only && a->kind == MMIO_STORE))) {
		f->stopped = true;
		f->at = *a;
		return (struct dev_result){ .outcome = DEV_FAULT, .signo = SIGXCPU,
		                            .si_code = SI_QUEUE };
	}
	if (f->stopped && a->phase != DEV_AFTER)
		return (struct dev_result){ .outcome = DEV_FAULT, .signo = SIGXCPU,
		                            .si_code = SI_QUEUE };
	return f->inner->ops->access(f->inner, a, buf);
}

static void
fence_reset(struct devmodel *m)
{
	struct fence *f = m->priv;

	f->stopped = false;
	memset(&f->at, 0, sizeof f->at);
	if (f->inner->ops->reset)
		f->inner->ops->reset(f->inner);
}

static uint64_t
fence_ready_bits(struct devmodel *m, uint64_t off, unsigned width)
{
	struct fence *f = m->priv;

	return f->inner->ops->ready_bits ? f->inner->ops->ready_bits(f->inner, off, width) : 0;
}

static const struct devmodel_ops devmodel_fence = {
	.name = "fence",
	.desc = "the rig's own: stops an access outside the window or a store to a read-only "
	        "device",
	.args = "",
	.reset = fence_reset,
	.access = fence_access,
	.ready_bits = fence_ready_bits,
};

void
fence_init(struct devmodel *fm, struct fence *f, struct devmodel *inner)
{
	memset(f, 0, sizeof *f);
	f->inner = inner;
	f->lo = inner->bar->win_lo;
	f->hi = inner->bar->win_hi;
	f->read_only = inner->bar->read_only;
	fm->ops = &devmodel_fence;
	fm->bar = inner->bar;
	fm->priv = f;
}

void
fence_text(char *buf, size_t n, const struct fence *f)
{
	const struct dev_access *a = &f->at;

	/* a guard byte before the view has a negative offset */
	bool neg = (int64_t)a->off < 0;
	unsigned long long off = neg ? -a->off : a->off;

	if (a->unsure == 1)
		snprintf(buf, n, "stopped before an instruction at %s0x%llx of unknown extent "
		         "(undecodable, the xsave family, or an operand too wide to list), which "
		         "might reach outside the window 0x%llx-0x%llx; it was not performed",
		         neg ? "-" : "", off,
		         (unsigned long long)f->lo, (unsigned long long)f->hi);
	else if (a->unsure)
		snprintf(buf, n, "stopped the instruction being stepped when it reached %s0x%llx, "
		         "a byte its decoding did not list (%s the window 0x%llx-0x%llx; the step "
		         "had opened only the listed accesses' pages): that byte was not reached",
		         neg ? "-" : "", off, outside(f, a) ? "outside" : "inside",
		         (unsigned long long)f->lo, (unsigned long long)f->hi);
	else if (a->kind == MMIO_STORE && !outside(f, a))
		snprintf(buf, n, "stopped before a %u-byte store at 0x%llx: the device is "
		         "read-only here (-allow-write lets stores through); it was not performed",
		         a->width, (unsigned long long)a->off);
	else
		snprintf(buf, n, "stopped before a %u-byte %s at 0x%llx, outside the window "
		         "0x%llx-0x%llx; it was not performed", a->width,
		         a->kind == MMIO_STORE ? "store" : "load", (unsigned long long)a->off,
		         (unsigned long long)f->lo, (unsigned long long)f->hi);
}
