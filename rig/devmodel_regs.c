/*
 * devmodel_regs.c - the register-map device model (-model=regs:FILE[,bus=..]):
 * a text file names registers and regions with their semantics, the access
 * widths they take and their alignment (docs/device-maps.md); the model
 * performs each access as such a device would and keeps, per request, what
 * it saw, so that the runner can say in a sentence what a violation did
 * ("doorbell at 0x10 rang 2 times (the request wrote it once)").
 *
 * State: a register starts each request from what the runner painted there
 * (snapshotted at reset), so a copy that reads a FIFO or a counter once, as a
 * whole, gets the painted bytes and R11 holds; a second pop or a torn read
 * gets other bytes. Stores land in the alias as on memory (the last bytes
 * written) except where the register drops them (ro, a rejected access on an
 * x86-like bus); the register's own state (w1c bits, FIFO and counter
 * positions, read-to-clear) lives here.
 *
 * An access a register does not accept (its width is not listed, it is not
 * aligned, it spans past the register) is answered as the bus would: arm64
 * (default) raises SIGBUS with BUS_OBJERR at the access's address; x86 reads
 * all-ones and drops the store.
 *
 * open/close/reset/damage run outside handlers; access runs in the fault
 * handler: no allocation, no stdio there.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum reg_sem {
	SEM_RAM, SEM_RO, SEM_WO, SEM_RC, SEM_FIFO, SEM_COUNTER, SEM_W1C, SEM_DOORBELL,
	SEM_STICKY, SEM_N
};

static const char *const sem_names[SEM_N] = {
	"ram", "ro", "wo", "rc", "fifo", "counter", "w1c", "doorbell", "sticky-ready",
};

/* How sentences name each kind of register. */
static const char *const sem_nouns[SEM_N] = {
	"register", "read-only register", "write-only register", "read-to-clear register",
	"FIFO", "counter", "write-1-to-clear register", "doorbell", "status register",
};

/* Widths as a bit set: bit k = an access of 1 << k bytes (1..64). */
#define WIDTHS_ANY 0x7fu

#define REG_MAX_VALS 6   /* values kept per register per request */
#define MAX_REJECTS 8    /* rejected accesses kept per request */

struct reg {
	uint64_t off, size;
	uint8_t sem;        /* enum reg_sem */
	uint8_t widths;     /* accepted widths */
	uint32_t align;     /* 0 = natural (a multiple of the access width) */
	uint32_t arg;       /* fifo: depth; sticky-ready: reads the bit stays clear */
	uint64_t mask;      /* sticky-ready: the ready bits */
	unsigned line;      /* in the map file */
	char name[24];      /* optional */
};

struct reg_state {
	uint64_t init;        /* value at reset (registers of at most 8 bytes) */
	uint64_t w1c;         /* w1c: the bits still set */
	uint32_t loads, stores, reads;
	uint32_t whole;       /* loads that read every byte of the register */
	uint32_t pops, pushes;
	uint64_t rc_cleared;  /* rc: bytes (bit per byte) cleared by a read */
	uint64_t rc_first_lanes; /* rc: bytes the clearing read took */
	uint32_t seq[2];      /* first two accesses' seq */
	uint64_t vals[REG_MAX_VALS]; /* stores: value after each; counter: value each read saw */
	unsigned nvals;
};

struct reject {
	uint64_t seq, off;
	uint16_t width;
	uint8_t kind;
	unsigned reg;
};

struct regs {
	struct reg *reg;
	struct reg_state *st;
	unsigned n;
	bool x86;           /* bus=x86: all-ones and dropped stores instead of SIGBUS */
	char path[256];
	struct reject rej[MAX_REJECTS];
	unsigned nrej;
	uint64_t rej_lost;
};

static const uint64_t COUNTER_STEP = 0x0101010101010101ull;
static const uint64_t FIFO_STEP = 0x1111111111111111ull;

static uint64_t
size_mask(uint64_t size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* A register (at most 8 bytes) has a value; a larger ram region is a buffer. */
static bool
is_reg(const struct reg *r)
{
	return r->size == 1 || r->size == 2 || r->size == 4 || r->size == 8;
}

/* ---- parsing ------------------------------------------------------------------ */

static bool
parse_num(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2]))
			return false;
		*out = strtoull(s + 2, &end, 16);
	} else {
		*out = strtoull(s, &end, 10);
	}
	return !errno && !*end;
}

static int
width_bit(uint64_t w)
{
	int k;

	for (k = 0; k < 7; k++)
		if (w == 1ull << k)
			return k;
	return -1;
}

static void sentence(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
bad(const char *path, unsigned line, const char *fmt, const char *tok)
{
	char what[200];

	sentence(what, sizeof what, fmt, tok);
	return rig_fail(EINVAL, "-model=regs: %s:%u: %s", path, line, what);
}

/* One line: OFFSET SIZE SEMANTICS[:ARG] [widths=W,..|any] [align=N|natural]
 * [mask=BITS] [name=NAME]. */
static int
parse_line(struct regs *rs, const char *path, unsigned line, char *text, struct reg *r)
{
	char *tok[8], *save = NULL, *t, *colon;
	unsigned nt = 0, i, k;
	uint64_t v;

	for (t = strtok_r(text, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (nt == 8)
			return bad(path, line, "too many fields at '%s' (expected OFFSET SIZE "
			           "SEMANTICS and at most widths=, align=, mask=, name=)", t);
		tok[nt++] = t;
	}
	if (nt < 3)
		return bad(path, line, "expected OFFSET SIZE SEMANTICS%s, e.g. '0x10 4 doorbell'",
		           nt ? " (got too few fields)" : "");
	memset(r, 0, sizeof *r);
	r->line = line;
	if (!parse_num(tok[0], &r->off))
		return bad(path, line, "OFFSET '%s' is not a number (decimal or 0x-hex)", tok[0]);
	if (!parse_num(tok[1], &r->size) || r->size == 0)
		return bad(path, line, "SIZE '%s' is not a byte count above 0", tok[1]);
	colon = strchr(tok[2], ':');
	if (colon)
		*colon++ = 0;
	for (k = 0; k < SEM_N && strcmp(tok[2], sem_names[k]); k++)
		;
	if (k == SEM_N)
		return bad(path, line, "unknown semantics '%s' (expected ram, ro, wo, rc, fifo:DEPTH, "
		           "counter, w1c, doorbell or sticky-ready:K)", tok[2]);
	r->sem = (uint8_t)k;
	if (k == SEM_FIFO || k == SEM_STICKY) {
		if (!colon || !parse_num(colon, &v) || v > 1000000 || (k == SEM_FIFO && v == 0))
			return bad(path, line, k == SEM_FIFO ? "fifo needs its depth: fifo:DEPTH, "
			           "1..1000000 (got '%s')" : "sticky-ready needs the reads its bit "
			           "stays clear: sticky-ready:K (got '%s')", colon ? colon : "nothing");
		r->arg = (uint32_t)v;
	} else if (colon) {
		return bad(path, line, "semantics '%s' takes no argument", tok[2]);
	}
	if (k != SEM_RAM && r->size > 8)
		return bad(path, line, "a register other than ram is at most 8 bytes (got SIZE %s; "
		           "only ram regions may be larger)", tok[1]);
	if (k != SEM_RAM && width_bit(r->size) < 0)
		return bad(path, line, "a register's SIZE is 1, 2, 4 or 8 (got %s)", tok[1]);
	/* a register takes its own width; a buffer (or an odd-sized ram register) any */
	r->widths = is_reg(r) && width_bit(r->size) >= 0 ? (uint8_t)(1u << width_bit(r->size))
	                                                  : WIDTHS_ANY;
	r->mask = 1;
	for (i = 3; i < nt; i++) {
		char *val = strchr(tok[i], '=');

		if (!val)
			return bad(path, line, "expected KEY=VALUE (widths=, align=, mask=, name=), "
			           "got '%s'", tok[i]);
		*val++ = 0;
		if (!strcmp(tok[i], "widths")) {
			char *w, *ws = NULL;

			if (!strcmp(val, "any")) {
				r->widths = WIDTHS_ANY;
				continue;
			}
			r->widths = 0;
			for (w = strtok_r(val, ",", &ws); w; w = strtok_r(NULL, ",", &ws)) {
				if (!parse_num(w, &v) || width_bit(v) < 0)
					return bad(path, line, "widths= takes 1, 2, 4, 8, 16, 32, 64 "
					           "separated by commas, or any (got '%s')", w);
				r->widths |= (uint8_t)(1u << width_bit(v));
			}
			if (!r->widths)
				return bad(path, line, "widths= names no width%s", "");
		} else if (!strcmp(tok[i], "align")) {
			if (!strcmp(val, "natural"))
				r->align = 0;
			else if (!parse_num(val, &v) || width_bit(v) < 0)
				return bad(path, line, "align= takes natural or 1, 2, 4, .., 64 (got '%s')",
				           val);
			else
				r->align = (uint32_t)v;
		} else if (!strcmp(tok[i], "mask")) {
			if (!parse_num(val, &v) || !v || (v & ~size_mask(r->size)))
				return bad(path, line, "mask= takes the ready bits, nonzero and inside "
				           "the register (got '%s')", val);
			r->mask = v;
		} else if (!strcmp(tok[i], "name")) {
			snprintf(r->name, sizeof r->name, "%s", val);
		} else {
			return bad(path, line, "unknown key '%s' (expected widths=, align=, mask=, "
			           "name=)", tok[i]);
		}
	}
	(void)rs;
	return 0;
}

static int
load_map(struct regs *rs, const char *path)
{
	FILE *f = fopen(path, "r");
	char text[512];
	unsigned line = 0, cap = 0, i;
	struct reg r, *grown;
	int err;

	if (!f)
		return rig_fail(EINVAL, "-model=regs:%s: cannot read the register map: %s", path,
		                strerror(errno));
	while (fgets(text, sizeof text, f)) {
		char *hash = strchr(text, '#'), *p;

		line++;
		if (!strchr(text, '\n') && !feof(f)) {
			fclose(f);
			return bad(path, line, "line longer than %s characters", "510");
		}
		if (hash)
			*hash = 0;
		for (p = text; *p && isspace((unsigned char)*p); p++)
			;
		if (!*p)
			continue;
		if ((err = parse_line(rs, path, line, p, &r)) != 0) {
			fclose(f);
			return err;
		}
		for (i = 0; i < rs->n; i++)
			if (r.off < rs->reg[i].off + rs->reg[i].size && rs->reg[i].off < r.off + r.size) {
				char what[64];

				fclose(f);
				snprintf(what, sizeof what, "%u", rs->reg[i].line);
				return bad(path, line, "overlaps the register of line %s", what);
			}
		if (rs->n == cap) {
			cap = cap ? 2 * cap : 16;
			if (!(grown = realloc(rs->reg, cap * sizeof *grown))) {
				fclose(f);
				return rig_fail(ENOMEM, "-model=regs:%s: out of memory", path);
			}
			rs->reg = grown;
		}
		rs->reg[rs->n++] = r;
	}
	fclose(f);
	if (!rs->n)
		return rig_fail(EINVAL, "-model=regs:%s: the map names no register", path);
	return 0;
}

static void
regs_close(struct devmodel *m)
{
	struct regs *rs = m->priv;

	if (!rs)
		return;
	free(rs->reg);
	free(rs->st);
	free(rs);
	m->priv = NULL;
}

static int
regs_open(struct devmodel *m, const char *args)
{
	struct regs *rs;
	char buf[512], *comma;
	unsigned i;
	int err;

	if (!args || !*args)
		return rig_fail(EINVAL, "-model=regs needs a register map: -model=regs:FILE[,bus=arm64|x86] "
		                "(docs/device-maps.md)");
	snprintf(buf, sizeof buf, "%s", args);
	if (!(rs = calloc(1, sizeof *rs)))
		return rig_fail(ENOMEM, "allocating the register model");
	m->priv = rs;
	while ((comma = strrchr(buf, ','))) {
		*comma = 0;
		if (!strcmp(comma + 1, "bus=x86")) {
			rs->x86 = true;
		} else if (!strcmp(comma + 1, "bus=arm64")) {
			rs->x86 = false;
		} else {
			regs_close(m);
			return rig_fail(EINVAL, "-model=regs:%s: unknown argument '%s' (valid: "
			                "bus=arm64, bus=x86)", buf, comma + 1);
		}
	}
	sentence(rs->path, sizeof rs->path, "%s", buf);
	if ((err = load_map(rs, rs->path)) != 0) {
		regs_close(m);
		return err;
	}
	for (i = 0; i < rs->n; i++)
		if (rs->reg[i].off + rs->reg[i].size > m->bar->size) {
			err = rig_fail(ERANGE, "-model=regs: %s:%u: register 0x%llx+%llu ends past the "
			               "BAR (%zu bytes)", rs->path, rs->reg[i].line,
			               (unsigned long long)rs->reg[i].off,
			               (unsigned long long)rs->reg[i].size, m->bar->size);
			regs_close(m);
			return err;
		}
	if (!(rs->st = calloc(rs->n, sizeof *rs->st))) {
		regs_close(m);
		return rig_fail(ENOMEM, "allocating the register model");
	}
	return 0;
}

static void
regs_reset(struct devmodel *m)
{
	struct regs *rs = m->priv;
	unsigned i;

	memset(rs->st, 0, rs->n * sizeof *rs->st);
	rs->nrej = 0;
	rs->rej_lost = 0;
	for (i = 0; i < rs->n; i++) {
		const struct reg *r = &rs->reg[i];
		uint8_t v[8] = { 0 };

		if (!is_reg(r) || !m->bar->alias_is_memory)
			continue;
		bar_io_read(m->bar, r->off, (unsigned)r->size, (1u << r->size) - 1, v);
		memcpy(&rs->st[i].init, v, 8);
		rs->st[i].w1c = rs->st[i].init;
	}
}

/* ---- access ---------------------------------------------------------------- */

static bool
overlaps(const struct reg *r, uint64_t off, unsigned width)
{
	return off < r->off + r->size && r->off < off + width;
}

/* First register an access touches at or after index *i; false when none left. */
static bool
next_reg(const struct regs *rs, unsigned *i, uint64_t off, unsigned width)
{
	for (; *i < rs->n; (*i)++)
		if (overlaps(&rs->reg[*i], off, width))
			return true;
	return false;
}

/* Whether register r takes this access. */
static bool
accepts(const struct reg *r, uint64_t off, unsigned width)
{
	int k = width_bit(width);
	uint64_t al = r->align ? r->align : width;

	/* an access wider than the register (it spans its neighbours too) is taken
	 * only where that width is listed */
	return k >= 0 && (r->widths >> k & 1) && off % al == 0;
}

static void
note_reject(struct regs *rs, const struct dev_access *a, unsigned reg)
{
	if (rs->nrej == MAX_REJECTS) {
		rs->rej_lost++;
		return;
	}
	rs->rej[rs->nrej++] = (struct reject){ .seq = a->seq, .off = a->off, .width = a->width,
	                                       .kind = a->kind, .reg = reg };
}

static void
note_seq(struct reg_state *s, uint64_t seq)
{
	unsigned n = s->loads + s->stores;

	if (n < 2)
		s->seq[n] = (uint32_t)seq;
}

static void
note_val(struct reg_state *s, uint64_t v)
{
	if (s->nvals < REG_MAX_VALS)
		s->vals[s->nvals++] = v;
}

/* The register's value as a read at this moment returns it (and the read's
 * effect on the state): registers of at most 8 bytes. */
static uint64_t
reg_read(const struct reg *r, struct reg_state *s, uint64_t alias_val, uint64_t lanes)
{
	uint64_t v = alias_val;

	switch (r->sem) {
	case SEM_WO:
		v = 0;
		break;
	case SEM_RC:
		v = alias_val;
		for (unsigned k = 0; k < r->size; k++)
			if (s->rc_cleared >> k & 1)
				v &= ~(0xffull << (8 * k));
		if (!s->rc_cleared)
			s->rc_first_lanes = lanes;
		s->rc_cleared = (1ull << r->size) - 1;
		break;
	case SEM_FIFO:
		v = s->pops < r->arg ? (s->init + s->pops * FIFO_STEP) & size_mask(r->size)
		                     : size_mask(r->size); /* empty: all-ones */
		s->pops++;
		break;
	case SEM_COUNTER:
		v = (s->init + s->reads * COUNTER_STEP) & size_mask(r->size);
		note_val(s, v);
		break;
	case SEM_W1C:
		v = s->w1c;
		break;
	case SEM_STICKY:
		v = s->reads < r->arg ? alias_val & ~r->mask : alias_val | r->mask;
		break;
	default:
		break;
	}
	s->reads++;
	return v;
}

/* A load: buf holds what the alias holds (a->width bytes); patch the bytes of
 * every register it touches with what that register returns. Returns whether
 * anything differed from plain memory. */
static bool
load_regs(struct regs *rs, const struct dev_access *a, uint8_t *buf)
{
	unsigned i = 0;
	bool special = false;

	for (; next_reg(rs, &i, a->off, a->width); i++) {
		const struct reg *r = &rs->reg[i];
		struct reg_state *s = &rs->st[i];
		uint64_t av = 0, v, lanes = 0;
		unsigned k;

		note_seq(s, a->seq);
		s->loads++;
		if (!is_reg(r))
			continue;
		/* the register's bytes as the alias holds them, and the lanes read */
		for (k = 0; k < r->size; k++) {
			uint64_t b = r->off + k;

			if (b >= a->off && b < a->off + a->width) {
				av |= (uint64_t)buf[b - a->off] << (8 * k);
				if (a->lanes >> (b - a->off) & 1)
					lanes |= 1ull << k;
			} else {
				av |= (s->init >> (8 * k) & 0xff) << (8 * k);
			}
		}
		if (lanes == (1ull << r->size) - 1)
			s->whole++;
		if (r->sem == SEM_RAM || r->sem == SEM_RO || r->sem == SEM_DOORBELL) {
			s->reads++;
			continue;
		}
		v = reg_read(r, s, av, lanes);
		special = true;
		for (k = 0; k < r->size; k++) {
			uint64_t b = r->off + k;

			if (b >= a->off && b < a->off + a->width)
				buf[b - a->off] = (uint8_t)(v >> (8 * k));
		}
	}
	return special;
}

/* A store that reached the alias: update the registers' state. */
static void
store_regs(struct devmodel *m, struct regs *rs, const struct dev_access *a, const uint8_t *buf)
{
	unsigned i = 0;

	for (; next_reg(rs, &i, a->off, a->width); i++) {
		const struct reg *r = &rs->reg[i];
		struct reg_state *s = &rs->st[i];
		uint8_t v[8] = { 0 };
		uint64_t now = 0, written = 0;
		unsigned k;

		note_seq(s, a->seq);
		s->stores++;
		if (!is_reg(r))
			continue;
		for (k = 0; k < r->size; k++) {
			uint64_t b = r->off + k;

			if (b >= a->off && b < a->off + a->width && (a->lanes >> (b - a->off) & 1))
				written |= (uint64_t)buf[b - a->off] << (8 * k);
		}
		switch (r->sem) {
		case SEM_FIFO:
			s->pushes++;
			break;
		case SEM_W1C:
			s->w1c &= ~written;
			note_val(s, s->w1c);
			break;
		case SEM_RO:
			/* the store does not reach the register: put its bytes back */
			memcpy(v, &s->init, 8);
			bar_io_write(m->bar, r->off, (unsigned)r->size, (1u << r->size) - 1, v);
			break;
		default:
			if (m->bar->alias_is_memory) {
				bar_io_read(m->bar, r->off, (unsigned)r->size, (1u << r->size) - 1, v);
				memcpy(&now, v, 8);
			}
			note_val(s, now);
			break;
		}
	}
}

/* Whether every register the access touches takes it; *reg the first that
 * does not. Bytes outside every register are plain memory. */
static bool
access_ok(const struct regs *rs, const struct dev_access *a, unsigned *reg)
{
	unsigned i = 0;

	for (; next_reg(rs, &i, a->off, a->width); i++)
		if (!accepts(&rs->reg[i], a->off, a->width)) {
			*reg = i;
			return false;
		}
	return true;
}

static struct dev_result
regs_access(struct devmodel *m, const struct dev_access *a, uint8_t *buf)
{
	struct regs *rs = m->priv;
	struct dev_result res = { .outcome = DEV_DONE };
	unsigned bad_reg = 0;

	if (!access_ok(rs, a, &bad_reg)) {
		if (a->phase != DEV_AFTER)
			note_reject(rs, a, bad_reg);
		if (!rs->x86) {
			if (a->phase == DEV_AFTER)
				return res; /* cannot happen: BEFORE faulted it */
			return (struct dev_result){ .outcome = DEV_FAULT, .signo = SIGBUS,
			                            .si_code = BUS_OBJERR };
		}
		if (a->kind == MMIO_LOAD) {
			memset(buf, 0xff, a->width);
			return (struct dev_result){ .outcome = DEV_OVERRIDE };
		}
		return (struct dev_result){ .outcome = a->phase == DEV_BEFORE ? DEV_DONE
		                                                               : DEV_DROPPED };
	}
	switch (a->phase) {
	case DEV_PERFORM:
		if (a->kind == MMIO_LOAD) {
			bar_io_read(m->bar, a->off, a->width, a->lanes, buf);
			load_regs(rs, a, buf);
		} else {
			bar_io_write(m->bar, a->off, a->width, a->lanes, buf);
			store_regs(m, rs, a, buf);
		}
		break;
	case DEV_BEFORE:
		if (a->kind == MMIO_LOAD) {
			if (m->bar->alias_is_memory)
				bar_io_read(m->bar, a->off, a->width, a->lanes, buf);
			if (load_regs(rs, a, buf))
				res.outcome = DEV_OVERRIDE;
		}
		break;
	case DEV_AFTER:
		if (a->kind == MMIO_STORE)
			store_regs(m, rs, a, buf);
		break;
	}
	return res;
}

static uint64_t
regs_ready_bits(struct devmodel *m, uint64_t off, unsigned width)
{
	struct regs *rs = m->priv;
	uint64_t mask = 0;
	unsigned i = 0, k;

	for (; next_reg(rs, &i, off, width); i++) {
		const struct reg *r = &rs->reg[i];

		if (r->sem != SEM_STICKY)
			continue;
		for (k = 0; k < r->size; k++) {
			uint64_t b = r->off + k;

			if (b >= off && b < off + width && b - off < 8)
				mask |= (r->mask >> (8 * k) & 0xff) << (8 * (b - off));
		}
	}
	return mask;
}

/* ---- damage --------------------------------------------------------------------- */

/* The register named for a sentence: "doorbell at 0x10" or "doorbell 'db' at 0x10". */
static void
reg_name(char *buf, size_t n, const struct reg *r)
{
	if (!is_reg(r) && r->name[0])
		sentence(buf, n, "region '%s' 0x%llx-0x%llx", r->name, (unsigned long long)r->off,
		         (unsigned long long)(r->off + r->size - 1));
	else if (!is_reg(r))
		sentence(buf, n, "region 0x%llx-0x%llx", (unsigned long long)r->off,
		         (unsigned long long)(r->off + r->size - 1));
	else if (r->name[0])
		sentence(buf, n, "%s '%s' at 0x%llx", sem_nouns[r->sem], r->name,
		         (unsigned long long)r->off);
	else
		snprintf(buf, n, "%s at 0x%llx", sem_nouns[r->sem], (unsigned long long)r->off);
}

static bool
range_hits(uint64_t lo, uint64_t len, const struct reg *r)
{
	return len && lo < r->off + r->size && r->off < lo + len;
}

static const char *
times(uint32_t n)
{
	return n == 1 ? "once" : n == 2 ? "twice" : NULL;
}

static void
vals_text(char *buf, size_t n, const uint64_t *v, unsigned nv, uint64_t size)
{
	size_t o = 0;
	unsigned i;

	buf[0] = 0;
	for (i = 0; i < nv && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s0x%0*llx", i ? ", " : "", (int)(2 * size),
		                      (unsigned long long)v[i]);
}

/* A sentence, cut at the buffer's end if it must be. */
static void __attribute__((format(printf, 3, 4)))
sentence(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

static size_t
regs_damage(struct devmodel *m, const struct mmio_request *q, struct dev_damage *out,
            size_t max, uint64_t *lost)
{
	struct regs *rs = m->priv;
	size_t n = 0;
	unsigned i;
	uint64_t wlo = q->dir == MMIO_FROM_DEVICE ? 0 : q->dev_off;
	uint64_t wlen = q->dir == MMIO_FROM_DEVICE ? 0 : q->len;
	uint64_t rlo = q->dir == MMIO_WITHIN ? q->src_off : q->dev_off;
	uint64_t rlen = q->dir == MMIO_TO_DEVICE ? 0 : q->len;

	*lost = 0;
#define SAY(reg_, s0, s1, ...)                                                   \
	do {                                                                     \
		if (n == max) {                                                  \
			(*lost)++;                                               \
			break;                                                   \
		}                                                                \
		out[n].at = (int64_t)(reg_)->off;                                \
		out[n].rec[0] = (s0);                                            \
		out[n].rec[1] = (s1);                                            \
		sentence(out[n].why, sizeof out[n].why, __VA_ARGS__);            \
		n++;                                                             \
	} while (0)

	for (i = 0; i < rs->nrej; i++) {
		const struct reject *j = &rs->rej[i];
		const struct reg *r = &rs->reg[j->reg];
		char nm[80], ws[64] = "";
		size_t o = 0;
		unsigned k;

		reg_name(nm, sizeof nm, r);
		for (k = 0; k < 7; k++)
			if (r->widths >> k & 1)
				o += (size_t)snprintf(ws + o, sizeof ws - o, "%s%u", o ? "/" : "", 1u << k);
		char al[40];

		if (r->align)
			snprintf(al, sizeof al, "at multiples of %u", r->align);
		else
			snprintf(al, sizeof al, "naturally aligned");
		if (rs->x86)
			SAY(r, (uint32_t)j->seq, UINT32_MAX, "%u-byte %s at 0x%llx %s (x86-like bus): "
			    "%s takes only %s-byte accesses, %s", j->width,
			    j->kind == MMIO_LOAD ? "load" : "store", (unsigned long long)j->off,
			    j->kind == MMIO_LOAD ? "read all-ones" : "was dropped", nm, ws, al);
		else
			SAY(r, (uint32_t)j->seq, UINT32_MAX, "%u-byte %s at 0x%llx raised SIGBUS "
			    "(BUS_OBJERR, arm64-like bus): %s takes only %s-byte accesses, %s", j->width,
			    j->kind == MMIO_LOAD ? "load" : "store", (unsigned long long)j->off, nm, ws,
			    al);
	}
	if (rs->rej_lost)
		*lost += rs->rej_lost;

	/* a request of length 0 (a device routine) asks nothing of the registers a
	 * copy could be measured against: only the bus's rejections are damage */
	for (i = 0; i < rs->n && q->len; i++) {
		const struct reg *r = &rs->reg[i];
		const struct reg_state *s = &rs->st[i];
		bool asked_w = range_hits(wlo, wlen, r), asked_r = range_hits(rlo, rlen, r);
		uint32_t s0 = s->loads + s->stores > 0 ? s->seq[0] : UINT32_MAX;
		uint32_t s1 = s->loads + s->stores > 1 ? s->seq[1] : UINT32_MAX;
		char nm[80], vs[160];

		if (!s->loads && !s->stores)
			continue;
		reg_name(nm, sizeof nm, r);
		switch (r->sem) {
		case SEM_DOORBELL:
			if (s->stores != (asked_w ? 1u : 0u)) {
				if (times(s->stores))
					SAY(r, s0, s1, "%s rang %s (the request %s)", nm, times(s->stores),
					    asked_w ? "wrote it once" : "never wrote it");
				else
					SAY(r, s0, s1, "%s rang %u times (the request %s)", nm, s->stores,
					    asked_w ? "wrote it once" : "never wrote it");
			}
			break;
		case SEM_FIFO:
			if (s->pops != (asked_r ? 1u : 0u))
				SAY(r, s0, s1, "%s popped %u time%s for %u element%s asked%s", nm, s->pops,
				    s->pops == 1 ? "" : "s", asked_r ? 1 : 0, asked_r ? "" : "s",
				    s->pops > r->arg ? " (and ran empty: the extra reads returned "
				    "all-ones)" : ": the elements popped are lost to whoever reads next");
			if (s->pushes != (asked_w ? 1u : 0u))
				SAY(r, s0, s1, "%s was pushed %u time%s for %u element%s written%s", nm,
				    s->pushes, s->pushes == 1 ? "" : "s", asked_w ? 1 : 0,
				    asked_w ? "" : "s", s->pushes > r->arg ? ": it overflowed its depth, "
				    "the elements past it were lost" : "");
			break;
		case SEM_RC:
			if (s->loads > 1 && asked_r)
				SAY(r, s0, s1, "%s was cleared by the first of %u reads before the helper "
				    "read all of it: the later reads returned zeros where it had held "
				    "0x%0*llx", nm, s->loads, (int)(2 * r->size), (unsigned long long)s->init);
			else if (s->loads && !asked_r)
				SAY(r, s0, s1, "%s was read (and so cleared) %u time%s though the request "
				    "never read it", nm, s->loads, s->loads == 1 ? "" : "s");
			break;
		case SEM_COUNTER:
			if (s->loads > 1 && asked_r) {
				vals_text(vs, sizeof vs, s->vals, s->nvals, r->size);
				if (s->whole == s->loads)
					SAY(r, s0, s1, "%s read %u times for the one read asked, each from a "
					    "different value (%s): whichever the copy kept, the others "
					    "moved it", nm, s->loads, vs);
				else
					SAY(r, s0, s1, "%s read in %u pieces from different values %s: torn",
					    nm, s->loads, vs);
			} else if (s->loads && !asked_r) {
				SAY(r, s0, s1, "%s was read %u time%s (each read moves it) though the "
				    "request never read it", nm, s->loads, s->loads == 1 ? "" : "s");
			}
			break;
		case SEM_W1C:
			if (s->stores > (asked_w ? 1u : 0u)) {
				vals_text(vs, sizeof vs, s->vals, s->nvals, r->size);
				SAY(r, s0, s1, "%s was written %u times (the request %s): each write "
				    "clears the bits it sets; it went through %s", nm, s->stores,
				    asked_w ? "wrote it once" : "never wrote it", vs);
			}
			break;
		case SEM_WO:
			if (s->loads && !asked_r)
				SAY(r, s0, s1, "%s was read %u time%s though the request never read it "
				    "(it reads as zeros)", nm, s->loads, s->loads == 1 ? "" : "s");
			break;
		case SEM_RO:
			if (s->stores && !asked_w)
				SAY(r, s0, s1, "%s was written %u time%s though the request never wrote it "
				    "(the stores were ignored)", nm, s->stores, s->stores == 1 ? "" : "s");
			break;
		case SEM_STICKY:
		case SEM_RAM:
			if (!is_reg(r))
				break;
			if (s->nvals > 1) {
				unsigned k;
				bool differ = false;

				for (k = 0; k + 1 < s->nvals; k++)
					differ |= s->vals[k] != s->vals[s->nvals - 1];
				if (!differ)
					break;
				vals_text(vs, sizeof vs, s->vals, s->nvals - 1, r->size);
				SAY(r, s0, s1, "register 0x%llx saw intermediate value%s %s before 0x%0*llx",
				    (unsigned long long)r->off, s->nvals > 2 ? "s" : "", vs,
				    (int)(2 * r->size), (unsigned long long)s->vals[s->nvals - 1]);
			}
			break;
		}
	}
#undef SAY
	return n;
}

const struct devmodel_ops devmodel_regs = {
	.name = "regs",
	.desc = "a register map (docs/device-maps.md): doorbells, FIFOs, counters, status bits",
	.args = "FILE[,bus=arm64|x86] (arm64: a rejected width raises SIGBUS BUS_OBJERR; "
	        "x86: it reads all-ones, its store is dropped)",
	.open = regs_open,
	.close = regs_close,
	.reset = regs_reset,
	.access = regs_access,
	.damage = regs_damage,
	.ready_bits = regs_ready_bits,
};
