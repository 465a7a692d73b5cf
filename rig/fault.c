/*
 * fault.c - fault plans and the fault layer: surprise removal (all-ones,
 * zeros or SIGBUS BUS_ADRERR), a dropped store, a flipped bit in a load, a
 * delay per access, a ready bit held clear, injected around whichever device
 * model the rig runs.
 *
 * The layer is itself a device model: the logger asks it, it counts every
 * device access (loads and stores separately: drop@N is the store numbered
 * N, flip@N the load numbered N, remove@N and delay@N count every access)
 * and either answers the access itself or hands it to the real model. Every
 * injection leaves an event (which plan item, at which access, the log's
 * seq, offset and width), so that a run reports exactly what was injected,
 * and a plan item that never fired is reported as not reached: the tests
 * check both ways, as libxml2 checks its injected allocation failures.
 *
 * fault_parse/fault_text and fault_layer_init/reset/check are ordinary code;
 * the layer's access runs in the fault handler: no allocation, no stdio (the
 * delay busy-waits on clock_gettime, which is async-signal-safe).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

const char *const outcome_names[] = { "coped", "wrong-data", "died", "hung", NULL };

static const char *const kind_names[FAULT_NKINDS] = {
	"none", "remove", "drop", "flip", "delay", "ready",
};
static const char *const mode_names[] = { "ones", "zeros", "sigbus" };

/* ---- plans ---------------------------------------------------------------------- */

static bool
num(const char *s, const char *end, uint64_t *out)
{
	char buf[32], *e;
	size_t n = (size_t)(end - s);

	if (!n || n >= sizeof buf || s[0] < '0' || s[0] > '9')
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	errno = 0;
	if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
		*out = buf[2] ? strtoull(buf + 2, &e, 16) : (e = buf, 0);
	else
		*out = strtoull(buf, &e, 10);
	return !errno && !*e && e != buf;
}

static int
item_fail(const char *item, const char *expected)
{
	return rig_fail(EINVAL, "-fault=: '%s': %s (plans: remove@N:ones|zeros|sigbus, drop@N, "
	                "flip@N:BIT, delay@N:US, ready@K[:OFF[:MASK]], separated by commas; "
	                "docs/device-maps.md)", item, expected);
}

static int
parse_item(const char *s, size_t len, struct fault_item *it)
{
	char item[96];
	const char *at, *c1, *c2, *end;
	uint64_t n, v;
	unsigned k;

	snprintf(item, sizeof item, "%.*s", (int)len, s);
	end = item + strlen(item);
	memset(it, 0, sizeof *it);
	at = strchr(item, '@');
	if (!at)
		return item_fail(item, "expected KIND@N");
	for (k = 1; k < FAULT_NKINDS; k++)
		if (strlen(kind_names[k]) == (size_t)(at - item) &&
		    !strncmp(item, kind_names[k], (size_t)(at - item)))
			break;
	if (k == FAULT_NKINDS)
		return item_fail(item, "unknown fault kind (expected remove, drop, flip, delay or "
		                 "ready)");
	it->kind = (uint8_t)k;
	c1 = strchr(at + 1, ':');
	if (!num(at + 1, c1 ? c1 : end, &n) || n > UINT32_MAX)
		return item_fail(item, "N after '@' must be a number (decimal or 0x-hex)");
	it->at = (uint32_t)n;
	switch (k) {
	case FAULT_REMOVE:
		if (!c1)
			return item_fail(item, "say what the removed device reads: remove@N:ones, "
			                 "remove@N:zeros or remove@N:sigbus");
		for (v = 0; v < 3 && strcmp(c1 + 1, mode_names[v]); v++)
			;
		if (v == 3)
			return item_fail(item, "after remove@N: comes ones, zeros or sigbus");
		it->mode = (uint8_t)v;
		break;
	case FAULT_DROP:
		if (c1)
			return item_fail(item, "drop@N takes nothing after N");
		break;
	case FAULT_FLIP:
	case FAULT_DELAY:
		if (!c1 || !num(c1 + 1, end, &v) ||
		    (k == FAULT_FLIP ? v >= 8 * MMIO_MAX_WIDTH : v > 1000000))
			return item_fail(item, k == FAULT_FLIP ? "flip@N:BIT needs the bit, 0..511"
			                                       : "delay@N:US needs microseconds, "
			                                         "0..1000000");
		it->arg = (uint32_t)v;
		break;
	case FAULT_READY:
		/* ready@K[:OFF[:MASK]]: K reads held clear */
		it->arg = it->at;
		it->at = 0;
		if (c1) {
			c2 = strchr(c1 + 1, ':');
			if (!num(c1 + 1, c2 ? c2 : end, &v))
				return item_fail(item, "ready@K:OFF needs the register's BAR offset");
			it->off = v;
			it->mask = 1;
			it->explicit_reg = true;
			if (c2 && (!num(c2 + 1, end, &v) || !v))
				return item_fail(item, "ready@K:OFF:MASK needs a nonzero mask of the ready "
				                 "bits");
			if (c2)
				it->mask = v;
		}
		break;
	}
	return 0;
}

int
fault_parse(const char *spec, struct fault_plan *out)
{
	const char *p = spec, *e;
	int err;

	memset(out, 0, sizeof *out);
	if (!spec || !*spec || !strcmp(spec, "none"))
		return 0;
	while (*p) {
		e = p + strcspn(p, ",+");
		if (out->n == FAULT_MAX_ITEMS)
			return rig_fail(EINVAL, "-fault=%s: at most %d faults in one plan", spec,
			                FAULT_MAX_ITEMS);
		if ((err = parse_item(p, (size_t)(e - p), &out->item[out->n])) != 0)
			return err;
		out->n++;
		p = *e ? e + 1 : e;
	}
	return 0;
}

void
fault_item_text(char *buf, size_t n, const struct fault_item *it)
{
	switch (it->kind) {
	case FAULT_REMOVE:
		snprintf(buf, n, "remove@%u:%s", it->at, mode_names[it->mode % 3]);
		break;
	case FAULT_DROP:
		snprintf(buf, n, "drop@%u", it->at);
		break;
	case FAULT_FLIP:
	case FAULT_DELAY:
		snprintf(buf, n, "%s@%u:%u", kind_names[it->kind], it->at, it->arg);
		break;
	case FAULT_READY:
		if (it->explicit_reg)
			snprintf(buf, n, "ready@%u:0x%llx:0x%llx", it->arg, (unsigned long long)it->off,
			         (unsigned long long)it->mask);
		else
			snprintf(buf, n, "ready@%u", it->arg);
		break;
	default:
		snprintf(buf, n, "none");
	}
}

void
fault_text(char *buf, size_t n, const struct fault_plan *p)
{
	size_t o = 0;
	unsigned i;

	if (!p || !p->n) {
		snprintf(buf, n, "none");
		return;
	}
	buf[0] = 0;
	for (i = 0; i < p->n && o + 1 < n; i++) {
		if (i)
			buf[o++] = ',', buf[o] = 0;
		fault_item_text(buf + o, n - o, &p->item[i]);
		o += strlen(buf + o);
	}
}

/* ---- the layer ---------------------------------------------------------------- */

void
fault_layer_init(struct devmodel *layer, struct fault_layer *fl, struct devmodel *inner)
{
	memset(layer, 0, sizeof *layer);
	layer->ops = &devmodel_fault_layer;
	layer->bar = inner->bar;
	layer->priv = fl;
	fl->inner = inner;
	fault_layer_reset(fl);
}

void
fault_layer_reset(struct fault_layer *fl)
{
	fl->accesses = fl->loads = fl->stores = 0;
	fl->removed = false;
	fl->nev = 0;
	fl->ev_lost = 0;
	fl->npend = fl->pend_next = 0;
	memset(fl->held, 0, sizeof fl->held);
	memset(fl->ev_of, -1, sizeof fl->ev_of);
}

int
fault_layer_check(const struct fault_layer *fl, const struct fault_plan *plan)
{
	unsigned i;

	for (i = 0; plan && i < plan->n; i++)
		if (plan->item[i].kind == FAULT_READY && !plan->item[i].explicit_reg &&
		    !(fl->inner->ops && fl->inner->ops->ready_bits))
			return rig_fail(EINVAL, "-fault=ready@%u: the device model '%s' has no "
			                "sticky-ready register; name one: ready@K:OFF[:MASK]",
			                plan->item[i].arg,
			                fl->inner->ops ? fl->inner->ops->name : "?");
	return 0;
}

/* The event of plan item i (opened at this access if it has none yet). */
static struct fault_event *
event(struct fault_layer *fl, unsigned i, const struct dev_access *a, uint32_t idx)
{
	struct fault_event *e;

	if (fl->ev_of[i] >= 0) {
		e = &fl->ev[fl->ev_of[i]];
		e->affected++;
		return e;
	}
	if (fl->nev == FAULT_MAX_EVENTS) {
		fl->ev_lost++;
		return NULL;
	}
	e = &fl->ev[fl->nev];
	*e = (struct fault_event){ .item = (uint8_t)i, .kind = fl->plan.item[i].kind,
	                           .mode = fl->plan.item[i].mode, .access_kind = a->kind,
	                           .access = idx, .affected = 1, .seq = a->seq,
	                           .off = (int64_t)a->off, .width = a->width,
	                           .arg = fl->plan.item[i].arg };
	fl->ev_of[i] = (int8_t)fl->nev++;
	return e;
}

static void
busy_wait_us(uint32_t us)
{
	struct timespec t0, t;
	int64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ns = (t.tv_sec - t0.tv_sec) * 1000000000ll + (t.tv_nsec - t0.tv_nsec);
	} while (ns < (int64_t)us * 1000);
}

/* A load answered through the inner model, read in place for a step (BEFORE
 * with DONE leaves the value in the alias: fetch it so it can be changed). */
static void
load_value(struct fault_layer *fl, const struct dev_access *a, struct dev_result *r, uint8_t *buf)
{
	if (a->phase == DEV_BEFORE && r->outcome == DEV_DONE && fl->inner->bar->alias_is_memory)
		bar_io_read(fl->inner->bar, a->off, a->width, a->lanes, buf);
}

/* The ready bits of plan item it among a load's bytes. */
static uint64_t
ready_mask(struct fault_layer *fl, const struct fault_item *it, const struct dev_access *a)
{
	uint64_t m = 0, b;
	unsigned k;

	if (!it->explicit_reg)
		return fl->inner->ops->ready_bits && a->width <= 8
		     ? fl->inner->ops->ready_bits(fl->inner, a->off, a->width) : 0;
	for (k = 0; k < a->width && k < 8; k++) {
		b = a->off + k;
		if (b >= it->off && b < it->off + 8)
			m |= (it->mask >> (8 * (b - it->off)) & 0xff) << (8 * k);
	}
	return m;
}

static struct dev_result
layer_access(struct devmodel *m, const struct dev_access *a, uint8_t *buf)
{
	struct fault_layer *fl = m->priv;
	struct devmodel *in = fl->inner;
	struct dev_result r = { .outcome = DEV_DONE };
	uint32_t idx, nth;
	unsigned i;
	bool drop = false;

	if (a->phase == DEV_AFTER) {
		/* a store the CPU performed: the verdict given before it */
		if (fl->pend_next < fl->npend && fl->pend[fl->pend_next++])
			return (struct dev_result){ .outcome = DEV_DROPPED };
		return in->ops->access(in, a, buf);
	}
	if (a->phase == DEV_BEFORE && fl->pend_next) /* a new instruction */
		fl->npend = fl->pend_next = 0;
	if (fl->budget && fl->accesses >= fl->budget)
		/* a routine past its budget: stopped, never performed (rig_run catches it) */
		return (struct dev_result){ .outcome = DEV_FAULT, .signo = SIGXCPU,
		                            .si_code = SI_QUEUE };
	idx = fl->accesses++;
	nth = a->kind == MMIO_LOAD ? fl->loads++ : fl->stores++;

	for (i = 0; i < fl->plan.n; i++) {
		const struct fault_item *it = &fl->plan.item[i];

		if (it->kind == FAULT_DELAY && idx >= it->at) {
			event(fl, i, a, idx);
			busy_wait_us(it->arg);
		}
	}
	for (i = 0; i < fl->plan.n && !fl->removed; i++)
		if (fl->plan.item[i].kind == FAULT_REMOVE && idx >= fl->plan.item[i].at) {
			fl->removed = true;
			fl->removed_item = (uint8_t)i;
		}
	if (fl->removed) {
		const struct fault_item *it = &fl->plan.item[fl->removed_item];

		event(fl, fl->removed_item, a, idx);
		if (it->mode == FAULT_SIGBUS)
			return (struct dev_result){ .outcome = DEV_FAULT, .signo = SIGBUS,
			                            .si_code = BUS_ADRERR };
		if (a->kind == MMIO_LOAD) {
			memset(buf, it->mode == FAULT_ONES ? 0xff : 0, a->width);
			return (struct dev_result){ .outcome = DEV_OVERRIDE };
		}
		drop = true;
	}
	for (i = 0; i < fl->plan.n && !drop; i++)
		if (fl->plan.item[i].kind == FAULT_DROP && a->kind == MMIO_STORE &&
		    nth == fl->plan.item[i].at) {
			event(fl, i, a, idx);
			drop = true;
		}
	if (drop) {
		if (a->phase == DEV_PERFORM)
			return (struct dev_result){ .outcome = DEV_DROPPED };
		if (fl->npend < sizeof fl->pend)
			fl->pend[fl->npend++] = 1;
		return r;
	}
	r = in->ops->access(in, a, buf);
	if (a->phase == DEV_BEFORE && a->kind == MMIO_STORE && fl->npend < sizeof fl->pend)
		fl->pend[fl->npend++] = 0;
	if (r.outcome == DEV_FAULT || a->kind != MMIO_LOAD)
		return r;
	for (i = 0; i < fl->plan.n; i++) {
		const struct fault_item *it = &fl->plan.item[i];
		uint64_t mask;
		unsigned k;

		if (it->kind == FAULT_FLIP && nth == it->at && it->arg < 8u * a->width &&
		    (a->lanes >> (it->arg / 8) & 1)) {
			load_value(fl, a, &r, buf);
			buf[it->arg / 8] ^= (uint8_t)(1u << (it->arg % 8));
			if (a->phase == DEV_BEFORE)
				r.outcome = DEV_OVERRIDE;
			event(fl, i, a, idx);
		} else if (it->kind == FAULT_READY && fl->held[i] < it->arg &&
		           (mask = ready_mask(fl, it, a)) != 0) {
			load_value(fl, a, &r, buf);
			for (k = 0; k < a->width && k < 8; k++)
				buf[k] &= (uint8_t)~(mask >> (8 * k));
			if (a->phase == DEV_BEFORE)
				r.outcome = DEV_OVERRIDE;
			fl->held[i]++;
			event(fl, i, a, idx);
		}
	}
	return r;
}

static void
layer_reset(struct devmodel *m)
{
	struct fault_layer *fl = m->priv;

	fault_layer_reset(fl);
	if (fl->inner->ops->reset)
		fl->inner->ops->reset(fl->inner);
}

const struct devmodel_ops devmodel_fault_layer = {
	.name = "fault-layer",
	.desc = "the rig's own: injects -fault= around the device model",
	.args = "",
	.reset = layer_reset,
	.access = layer_access,
};
