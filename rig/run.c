/*
 * run.c - one request, end to end: fill the data, arm, call the helper,
 * disarm, and measure what R11 needs. The fuzzer, replay and the sweep all
 * come through here, so it is on the fuzzer's hot path: the work per request
 * is O(len + records), never O(BAR size).
 *
 * Invariant between requests: every BAR byte holds bar_base(offset). A request
 * disturbs only its ranges and the bytes its stores hit (every store traps, so
 * the records name them all), and those are put back afterwards.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Background of the BAR: differs from every source pattern at most offsets. */
static inline uint8_t
bar_base(uint64_t off)
{
	return (uint8_t)(off * 0x9d + 0x5b) ^ (uint8_t)(off >> 8);
}

/* Source bytes: distinct within any 256-byte window, seeded by the request. */
static inline uint8_t
src_byte(uint8_t seed, uint32_t i)
{
	return (uint8_t)(i * 0x3b + seed * 0x55 + 0x21) ^ (uint8_t)(i >> 8);
}

/* What a host destination holds before a from-device copy, and host guards. */
#define HOST_FILL 0xe7

int
rig_open(struct rig *rig, const char *backend, const char *arg, size_t bar_size,
         enum log_strategy strategy)
{
	size_t i, hsize = MMIO_REQ_MAX_LEN + 2 * RIG_HOST_GUARD + MMIO_HOST_ALIGN;
	int err;

	memset(rig, 0, sizeof *rig);
	if ((err = logger_init()) != 0)
		return err;
	if ((err = bar_open(&rig->bar, backend, arg, bar_size)) != 0)
		return err;
	rig->strategy = strategy;
	rig->host = aligned_alloc(MMIO_HOST_ALIGN, hsize);
	rig->host_want = malloc(hsize);
	rig->dev_want = malloc(MMIO_REQ_MAX_LEN);
	if (!rig->host || !rig->host_want || !rig->dev_want) {
		rig_close(rig);
		return rig_fail(ENOMEM, "allocating %zu bytes of host buffers", 2 * hsize);
	}
	for (i = 0; i < rig->bar.size; i++)
		rig->bar.alias[i] = bar_base(i);
	return 0;
}

void
rig_close(struct rig *rig)
{
	if (rig->bar.ops)
		bar_close(&rig->bar);
	free(rig->host);
	free(rig->host_want);
	free(rig->dev_want);
	memset(rig, 0, sizeof *rig);
}

int
rig_validate(const struct rig *rig, const struct mmio_request *q)
{
	const char *why = NULL;

	if (!q->helper)
		return rig_fail(EINVAL, "request without a helper");
	if ((unsigned)q->dir >= MMIO_NDIR)
		return rig_fail(EINVAL, "direction %d out of range", (int)q->dir);
	if (q->len > MMIO_REQ_MAX_LEN)
		return rig_fail(ERANGE, "length %u exceeds the longest request, %u bytes",
		                q->len, MMIO_REQ_MAX_LEN);
	if ((uint64_t)q->dev_off + q->len > rig->bar.size)
		return rig_fail(ERANGE, "device range 0x%x+%u ends past the BAR (%zu bytes)",
		                q->dev_off, q->len, rig->bar.size);
	if (q->dir == MMIO_WITHIN && (uint64_t)q->src_off + q->len > rig->bar.size)
		return rig_fail(ERANGE, "source range 0x%x+%u ends past the BAR (%zu bytes)",
		                q->src_off, q->len, rig->bar.size);
	if (q->host_misalign >= MMIO_HOST_ALIGN)
		return rig_fail(ERANGE, "host misalignment %u is not below %u",
		                q->host_misalign, MMIO_HOST_ALIGN);
	if (!helper_supports(q->helper, q, &why))
		return rig_fail(ENOTSUP, "helper %s does not take this request: %s",
		                q->helper->name, why ? why : "unsupported");
	return 0;
}

static void
data_bad(struct data_result *d, enum data_region region, int64_t at, uint8_t got, uint8_t want)
{
	if (d->region != DATA_OK)
		return;
	d->region = region;
	d->at = at;
	d->got = got;
	d->want = want;
}

/* What BAR byte `off` must hold after the request, outside the destination. */
static uint8_t
bar_after(const struct mmio_request *q, uint64_t off)
{
	uint64_t s = q->dir == MMIO_WITHIN ? q->src_off : q->dev_off;

	if (q->dir != MMIO_TO_DEVICE && off >= s && off < s + q->len)
		return src_byte(q->pattern, (uint32_t)(off - s));
	return bar_base(off);
}

int
rig_run(struct rig *rig, const struct mmio_request *q, struct check_input *out)
{
	uint8_t *alias = rig->bar.alias, *view = rig->bar.view;
	uint8_t *hbuf = rig->host + RIG_HOST_GUARD + q->host_misalign;
	uint64_t dst = q->dev_off, src = q->dir == MMIO_WITHIN ? q->src_off : q->dev_off;
	size_t hlen = q->len + 2 * RIG_HOST_GUARD + MMIO_HOST_ALIGN, n, i;
	const struct mmio_record *r;
	struct data_result *d = &out->data;
	uint32_t k;
	int err;

	if ((err = rig_validate(rig, q)) != 0)
		return err;
	memset(out, 0, sizeof *out);
	for (k = 0; k < q->len; k++)
		rig->dev_want[k] = src_byte(q->pattern, k);
	memset(rig->host, HOST_FILL, hlen);
	if (q->dir == MMIO_TO_DEVICE)
		memcpy(hbuf, rig->dev_want, q->len);
	else
		memcpy(alias + src, rig->dev_want, q->len);
	memcpy(rig->host_want, rig->host, hlen);

	if ((err = logger_arm(&rig->bar, rig->strategy)) != 0)
		return err;
	switch (q->dir) {
	case MMIO_TO_DEVICE:
		q->helper->copy[q->dir](view + dst, hbuf, q->len);
		break;
	case MMIO_FROM_DEVICE:
		q->helper->copy[q->dir](hbuf, view + src, q->len);
		break;
	default:
		q->helper->copy[q->dir](view + dst, view + src, q->len);
		break;
	}
	logger_disarm();
	r = logger_records(&n, &out->lost);

	/* R11: the destination, then whatever else the request could have changed */
	if (q->dir == MMIO_FROM_DEVICE) {
		for (k = 0; k < q->len; k++)
			if (hbuf[k] != rig->dev_want[k]) {
				data_bad(d, DATA_DEST, k, hbuf[k], rig->dev_want[k]);
				break;
			}
		memcpy(rig->host_want + RIG_HOST_GUARD + q->host_misalign, rig->dev_want, q->len);
		for (i = 0; i < hlen; i++)
			if (rig->host[i] != rig->host_want[i]) {
				data_bad(d, DATA_HOST_OUTSIDE,
				         (int64_t)i - RIG_HOST_GUARD - (int64_t)q->host_misalign,
				         rig->host[i], rig->host_want[i]);
				break;
			}
	} else {
		for (k = 0; k < q->len; k++)
			if (alias[dst + k] != rig->dev_want[k]) {
				data_bad(d, DATA_DEST, (int64_t)(dst + k), alias[dst + k],
				         rig->dev_want[k]);
				break;
			}
		if (q->dir == MMIO_TO_DEVICE)
			for (i = 0; i < hlen; i++)
				if (rig->host[i] != rig->host_want[i]) {
					data_bad(d, DATA_HOST_SOURCE,
					         (int64_t)i - RIG_HOST_GUARD - (int64_t)q->host_misalign,
					         rig->host[i], rig->host_want[i]);
					break;
				}
	}
	for (i = 0; i < n; i++) {
		if (r[i].kind != MMIO_STORE)
			continue;
		for (k = 0; k < r[i].width && k < 64; k++) {
			int64_t o = r[i].offset + k;

			if (!(r[i].lanes >> k & 1) || o < 0 || (uint64_t)o >= rig->bar.size)
				continue;
			if (q->dir != MMIO_FROM_DEVICE && (uint64_t)o >= dst && (uint64_t)o < dst + q->len)
				continue;
			if (alias[o] != bar_after(q, (uint64_t)o))
				data_bad(d, DATA_DEVICE_OUTSIDE, o, alias[o], bar_after(q, (uint64_t)o));
		}
	}
	/* restore the invariant: only after every check, a byte may be hit twice */
	for (i = 0; i < n; i++)
		for (k = 0; r[i].kind == MMIO_STORE && k < r[i].width && k < 64; k++) {
			int64_t o = r[i].offset + k;

			if (o >= 0 && (uint64_t)o < rig->bar.size)
				alias[o] = bar_base((uint64_t)o);
		}
	for (k = 0; k < q->len; k++)
		alias[dst + k] = bar_base(dst + k);
	for (k = 0; src != dst && k < q->len; k++)
		alias[src + k] = bar_base(src + k);

	out->req = q;
	out->recs = r;
	out->nrecs = n;
	out->bar_size = rig->bar.size;
	return 0;
}
