/*
 * output.c - the access log as text (versioned, one access per line, fixed
 * field order; docs/log-format.md) and as JSON lines. Runs after the helper
 * returns, never in a handler.
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "out.h"

/* "symbol+0xoff" when the symbol is known, else "module+0xoff", else the address. */
static void
pc_name(uint64_t pc, char *buf, size_t n)
{
	Dl_info di;
	const char *mod;

	if (dladdr((void *)pc, &di) && di.dli_sname && di.dli_saddr) {
		snprintf(buf, n, "%s+0x%llx", di.dli_sname,
		         (unsigned long long)(pc - (uint64_t)di.dli_saddr));
	} else if (dladdr((void *)pc, &di) && di.dli_fname && di.dli_fbase) {
		mod = strrchr(di.dli_fname, '/');
		snprintf(buf, n, "%s+0x%llx", mod ? mod + 1 : di.dli_fname,
		         (unsigned long long)(pc - (uint64_t)di.dli_fbase));
	} else {
		snprintf(buf, n, "0x%llx", (unsigned long long)pc);
	}
}

static uint64_t
lanes_all(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

/*
 * Values: an unmasked access of at most 8 bytes prints as the number the
 * register held (0x-prefixed, little-endian read); anything wider or masked
 * prints its bytes in address order, ".." for a lane not accessed. A value
 * not captured (MMIO_REC_NOVALUE) prints as "?", which no value can be.
 */
static void
value_text(const struct mmio_record *r, char *buf, size_t n)
{
	unsigned i, w = r->width < MMIO_MAX_WIDTH ? r->width : MMIO_MAX_WIDTH;
	uint64_t v = 0;
	size_t o = 0;

	if (r->flags & MMIO_REC_NOVALUE) {
		snprintf(buf, n, "?");
		return;
	}
	if (w <= 8 && r->lanes == lanes_all(w)) {
		memcpy(&v, r->value, w);
		snprintf(buf, n, "0x%0*llx", (int)(2 * (w ? w : 1)), (unsigned long long)v);
		return;
	}
	for (i = 0; i < w && o + 3 <= n; i++, o += 2) {
		if (r->lanes >> i & 1)
			snprintf(buf + o, n - o, "%02x", r->value[i]);
		else
			memcpy(buf + o, "..", 3);
	}
	buf[o] = 0;
}

static void
flags_text(unsigned f, char *buf)
{
	char *p = buf;

	if (f & MMIO_REC_SIMD)
		*p++ = 'v';
	if (f & MMIO_REC_LOCKED)
		*p++ = 'l';
	if (f & MMIO_REC_PAIR)
		*p++ = 'p';
	if (f & MMIO_REC_X87)
		*p++ = 'x';
	if (f & MMIO_REC_FAULT)
		*p++ = 'F';
	if (f & MMIO_REC_TRUNC)
		*p++ = 't';
	if (f & MMIO_REC_NOVALUE)
		*p++ = 'n';
	if (p == buf)
		*p++ = '-';
	*p = 0;
}

static void
insn_text(const struct mmio_record *r, char *buf)
{
	unsigned i;

	for (i = 0; i < r->insn_len && i < 15; i++)
		sprintf(buf + 2 * i, "%02x", r->insn[i]);
	buf[2 * i] = 0;
}

#if defined(__aarch64__)
/* rig/arm64/cpu.c: the CPU and glibc's memcpy variant, for the header */
void a64_cpu_text(char *buf, size_t n);
#endif

void
out_request(FILE *f, enum out_format fmt, const struct mmio_request *q,
            const char *profile, const char *strategy)
{
	if (fmt == OUT_JSON) {
		fprintf(f, "{\"request\":{\"helper\":\"%s\",\"dir\":\"%s\",\"dev_off\":%u,",
		        q->helper ? q->helper->name : "?", dir_name(q->dir), q->dev_off);
		if (q->dir == MMIO_WITHIN)
			fprintf(f, "\"src_off\":%u,", q->src_off);
		fprintf(f, "\"len\":%u,\"host_misalign\":%u,\"pattern\":%u,"
		        "\"profile\":\"%s\",\"strategy\":\"%s\"}}\n",
		        q->len, q->host_misalign, q->pattern, profile ? profile : "?",
		        strategy ? strategy : "?");
		return;
	}
	fprintf(f, "# mmiorig-log %d\n", LOG_FORMAT_VERSION);
	fprintf(f, "# request helper=%s dir=%s dev=0x%x", q->helper ? q->helper->name : "?",
	        dir_name(q->dir), q->dev_off);
	if (q->dir == MMIO_WITHIN)
		fprintf(f, " src=0x%x", q->src_off);
	fprintf(f, " len=%u host-misalign=%u pattern=%u profile=%s strategy=%s\n",
	        q->len, q->host_misalign, q->pattern, profile ? profile : "?",
	        strategy ? strategy : "?");
#if defined(__aarch64__)
	{
		char cpu[160];

		a64_cpu_text(cpu, sizeof cpu);
		fprintf(f, "# cpu %s\n", cpu);
	}
#endif
}

void
out_records(FILE *f, enum out_format fmt, const struct mmio_record *r, size_t n, uint64_t lost)
{
	char val[2 * MMIO_MAX_WIDTH + 1], pc[256], ins[31], fl[10], off[24];
	size_t i;

	if (fmt == OUT_TEXT)
		fprintf(f, "# kind seq offset width class elem flags lanes value pc insn\n");
	for (i = 0; i < n; i++, r++) {
		bool nov = r->flags & MMIO_REC_NOVALUE; /* JSON: null, not a string */

		value_text(r, val, sizeof val);
		pc_name(r->pc, pc, sizeof pc);
		insn_text(r, ins);
		flags_text(r->flags, fl);
		offset_text(off, sizeof off, r->offset);
		if (fmt == OUT_TEXT)
			fprintf(f, "%c %llu %s %u %s %u %s 0x%llx %s %s %s\n",
			        r->kind == MMIO_STORE ? 'S' : 'L', (unsigned long long)r->seq, off,
			        r->width, class_name(r->cls), r->elem, fl,
			        (unsigned long long)r->lanes, val, pc, ins);
		else
			fprintf(f, "{\"seq\":%llu,\"kind\":\"%s\",\"offset\":%lld,\"width\":%u,"
			        "\"elem\":%u,\"class\":\"%s\",\"flags\":\"%s\",\"lanes\":\"0x%llx\","
			        "\"value\":%s%s%s,\"pc\":\"0x%llx\",\"sym\":\"%s\",\"insn\":\"%s\"}\n",
			        (unsigned long long)r->seq, r->kind == MMIO_STORE ? "store" : "load",
			        (long long)r->offset, r->width, r->elem, class_name(r->cls), fl,
			        (unsigned long long)r->lanes, nov ? "" : "\"", nov ? "null" : val,
			        nov ? "" : "\"", (unsigned long long)r->pc, pc, ins);
	}
	if (lost) {
		if (fmt == OUT_TEXT)
			fprintf(f, "# lost %llu records: the ring holds %u\n",
			        (unsigned long long)lost, LOG_RING_RECORDS);
		else
			fprintf(f, "{\"lost\":%llu}\n", (unsigned long long)lost);
	}
}

void
json_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
}

void
out_findings(FILE *f, enum out_format fmt, const struct mmio_finding *fd, size_t n)
{
	char off[24];
	size_t i;

	for (i = 0; i < n; i++, fd++) {
		offset_text(off, sizeof off, fd->at);
		if (fmt == OUT_JSON) {
			fprintf(f, "{\"rule\":\"R%u\",\"name\":\"%s\",\"severity\":\"%s\",\"at\":%lld,"
			        "\"count\":%u,\"records\":[", fd->rule, rule_name(fd->rule),
			        severity_name(fd->severity), (long long)fd->at, fd->count);
			if (fd->rec[0] != UINT32_MAX)
				fprintf(f, "%u", fd->rec[0]);
			if (fd->rec[1] != UINT32_MAX)
				fprintf(f, ",%u", fd->rec[1]);
			fputs("],\"why\":\"", f);
			json_escape(f, fd->why);
			fputs("\"}\n", f);
			continue;
		}
		fprintf(f, "! R%u %s %s at=%s count=%u", fd->rule, rule_name(fd->rule),
		        severity_name(fd->severity), off, fd->count);
		if (fd->rec[0] != UINT32_MAX)
			fprintf(f, " seq=%u", fd->rec[0]);
		if (fd->rec[1] != UINT32_MAX)
			fprintf(f, ",%u", fd->rec[1]);
		fprintf(f, ": %s\n", fd->why);
	}
}

/* ---- damage, injected faults, outcomes ---------------------------------------- */

void
out_damage(FILE *f, enum out_format fmt, const struct check_input *in)
{
	char off[24];
	size_t i;

	for (i = 0; i < in->ndamage; i++) {
		const struct dev_damage *d = &in->damage[i];

		offset_text(off, sizeof off, d->at);
		if (fmt == OUT_JSON) {
			fprintf(f, "{\"damage\":\"");
			json_escape(f, d->why);
			fprintf(f, "\",\"severity\":\"error\",\"at\":%lld,\"records\":[",
			        (long long)d->at);
			if (d->rec[0] != UINT32_MAX)
				fprintf(f, "%u", d->rec[0]);
			if (d->rec[1] != UINT32_MAX)
				fprintf(f, ",%u", d->rec[1]);
			fputs("]}\n", f);
			continue;
		}
		fprintf(f, "! damage error at=%s", off);
		if (d->rec[0] != UINT32_MAX)
			fprintf(f, " seq=%u", d->rec[0]);
		if (d->rec[1] != UINT32_MAX)
			fprintf(f, ",%u", d->rec[1]);
		fprintf(f, ": %s\n", d->why);
	}
	if (in->damage_lost) {
		if (fmt == OUT_JSON)
			fprintf(f, "{\"damage_lost\":%llu}\n", (unsigned long long)in->damage_lost);
		else
			fprintf(f, "# damage: %llu more sentences did not fit\n",
			        (unsigned long long)in->damage_lost);
	}
}

void
fault_event_text(char *buf, size_t n, const struct fault_event *e, const struct fault_plan *p)
{
	char item[64], off[24], what[160];

	fault_item_text(item, sizeof item, &p->item[e->item]);
	offset_text(off, sizeof off, e->off);
	switch (e->kind) {
	case FAULT_REMOVE:
		snprintf(what, sizeof what, e->mode == FAULT_SIGBUS
		         ? "the device was removed: the access raised SIGBUS (BUS_ADRERR); %u "
		           "access%s met the removed device"
		         : e->mode == FAULT_ONES
		         ? "the device was removed: loads read all-ones, stores are dropped; %u "
		           "access%s met the removed device"
		         : "the device was removed: loads read zeros, stores are dropped; %u "
		           "access%s met the removed device", e->affected, e->affected == 1 ? "" : "es");
		break;
	case FAULT_DROP:
		snprintf(what, sizeof what, "the store was dropped");
		break;
	case FAULT_FLIP:
		snprintf(what, sizeof what, "bit %u of the value read was flipped", e->arg);
		break;
	case FAULT_DELAY:
		snprintf(what, sizeof what, "%u access%s delayed %u us each", e->affected,
		         e->affected == 1 ? "" : "es", e->arg);
		break;
	case FAULT_READY:
		snprintf(what, sizeof what, "the ready bit read clear %u time%s (plan: %u)",
		         e->affected, e->affected == 1 ? "" : "s", e->arg);
		break;
	default:
		snprintf(what, sizeof what, "?");
	}
	snprintf(buf, n, "%s at access %u (seq %llu, %u-byte %s at %s): %s", item, e->access,
	         (unsigned long long)e->seq, e->width, e->access_kind == MMIO_LOAD ? "load" : "store",
	         off, what);
}

static bool
item_fired(const struct check_input *in, unsigned i)
{
	size_t k;

	for (k = 0; k < in->nfaults; k++)
		if (in->faults[k].item == i)
			return true;
	return false;
}

void
out_faults(FILE *f, enum out_format fmt, const struct check_input *in)
{
	char text[320], item[64];
	size_t k;
	unsigned i;

	if (!in->plan || !in->plan->n)
		return;
	for (k = 0; k < in->nfaults; k++) {
		const struct fault_event *e = &in->faults[k];

		fault_event_text(text, sizeof text, e, in->plan);
		if (fmt == OUT_TEXT) {
			fprintf(f, "# fault injected %s\n", text);
			continue;
		}
		fault_item_text(item, sizeof item, &in->plan->item[e->item]);
		fprintf(f, "{\"fault\":\"%s\",\"injected\":true,\"access\":%u,\"seq\":%llu,"
		        "\"offset\":%lld,\"width\":%u,\"kind\":\"%s\",\"affected\":%u,\"why\":\"",
		        item, e->access, (unsigned long long)e->seq, (long long)e->off, e->width,
		        e->access_kind == MMIO_LOAD ? "load" : "store", e->affected);
		json_escape(f, text);
		fputs("\"}\n", f);
	}
	for (i = 0; i < in->plan->n; i++) {
		const struct fault_item *it = &in->plan->item[i];

		if (item_fired(in, i))
			continue;
		fault_item_text(item, sizeof item, it);
		snprintf(text, sizeof text, "the request made %u device access%s (%u load%s, %u "
		         "store%s)%s", in->accesses, in->accesses == 1 ? "" : "es", in->loads,
		         in->loads == 1 ? "" : "s", in->stores, in->stores == 1 ? "" : "s",
		         it->kind == FAULT_DROP ? ": drop@N counts stores" :
		         it->kind == FAULT_FLIP ? ": flip@N counts loads (and BIT must be in the load)" :
		         it->kind == FAULT_READY ? ": no load read a ready bit" : "");
		if (fmt == OUT_TEXT)
			fprintf(f, "# fault not injected %s: %s\n", item, text);
		else {
			fprintf(f, "{\"fault\":\"%s\",\"injected\":false,\"why\":\"", item);
			json_escape(f, text);
			fputs("\"}\n", f);
		}
	}
}

static const char *
code_name(int signo, int code)
{
	if (signo == SIGBUS)
		return code == BUS_ADRERR ? "BUS_ADRERR" : code == BUS_OBJERR ? "BUS_OBJERR"
		     : code == BUS_ADRALN ? "BUS_ADRALN" : "si_code ?";
	return code == SEGV_ACCERR ? "SEGV_ACCERR" : code == SEGV_MAPERR ? "SEGV_MAPERR" : "si_code ?";
}

void
signal_text(char *buf, size_t n, const struct check_input *in, const char *helper)
{
	char off[24];

	offset_text(off, sizeof off, in->sig_off);
	snprintf(buf, n, "helper %s died of %s (%s) at BAR offset %s: the device %s", helper,
	         in->signo == SIGBUS ? "SIGBUS" : "SIGSEGV", code_name(in->signo, in->si_code), off,
	         in->si_code == BUS_ADRERR ? "was removed under it" : "rejected the access");
}

void
out_stopped(FILE *f, enum out_format fmt, const struct check_input *in)
{
	if (!in->stopped)
		return;
	if (fmt == OUT_JSON) {
		fputs("{\"stopped\":\"", f);
		json_escape(f, in->stop_why);
		fputs("\"}\n", f);
	} else {
		fprintf(f, "! stopped error: %s; the helper went no further\n", in->stop_why);
	}
}

void
out_outcome(FILE *f, enum out_format fmt, const struct check_input *in, enum run_outcome o,
            const char *helper)
{
	char text[256], off[24];
	long long seq = -1;
	size_t i;

	if (in->signalled) {
		for (i = in->nrecs; i-- > 0;)
			if (in->recs[i].flags & MMIO_REC_FAULT) {
				seq = (long long)in->recs[i].seq;
				break;
			}
		signal_text(text, sizeof text, in, helper);
		offset_text(off, sizeof off, in->sig_off);
		if (fmt == OUT_JSON) {
			fprintf(f, "{\"signal\":\"%s\",\"si_code\":\"%s\",\"at\":%lld,\"seq\":%lld,"
			        "\"why\":\"", in->signo == SIGBUS ? "SIGBUS" : "SIGSEGV",
			        code_name(in->signo, in->si_code), (long long)in->sig_off, seq);
			json_escape(f, text);
			fputs("\"}\n", f);
		} else {
			fprintf(f, "! signal error at=%s", off);
			if (seq >= 0)
				fprintf(f, " seq=%lld", seq);
			fprintf(f, ": %s\n", text);
		}
	}
	if (in->over_budget) {
		char removed[160] = "";

		for (i = 0; i < in->nfaults; i++)
			if (in->faults[i].kind == FAULT_REMOVE) {
				char item[64];

				fault_item_text(item, sizeof item, &in->plan->item[in->faults[i].item]);
				snprintf(removed, sizeof removed, " after the device was removed at access %u "
				         "(%s)", in->faults[i].access, item);
			}
		snprintf(text, sizeof text, "routine %s did not finish within %u accesses%s; it was "
		         "stopped there", helper, in->budget, removed);
		if (fmt == OUT_JSON) {
			fprintf(f, "{\"budget\":%u,\"why\":\"", in->budget);
			json_escape(f, text);
			fputs("\"}\n", f);
		} else {
			fprintf(f, "! budget error count=%u: %s\n", in->budget, text);
		}
	} else if (in->routine && !in->signalled) {
		if (fmt == OUT_JSON)
			fprintf(f, "{\"returned\":%d}\n", in->routine_ret);
		else
			fprintf(f, "# routine returned %d\n", in->routine_ret);
	}
	if (fmt == OUT_JSON)
		fprintf(f, "{\"outcome\":\"%s\"}\n", outcome_names[o]);
	else
		fprintf(f, "# outcome %s\n", outcome_names[o]);
}
