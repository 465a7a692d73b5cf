/*
 * output.c - the access log as text (versioned, one access per line, fixed
 * field order; docs/log-format.md) and as JSON lines. Runs after the helper
 * returns, never in a handler.
 */
#include <dlfcn.h>
#include <errno.h>
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
 * prints its bytes in address order, ".." for a lane not accessed.
 */
static void
value_text(const struct mmio_record *r, char *buf, size_t n)
{
	unsigned i, w = r->width < MMIO_MAX_WIDTH ? r->width : MMIO_MAX_WIDTH;
	uint64_t v = 0;
	size_t o = 0;

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
	char val[2 * MMIO_MAX_WIDTH + 1], pc[256], ins[31], fl[8], off[24];
	size_t i;

	if (fmt == OUT_TEXT)
		fprintf(f, "# kind seq offset width class elem flags lanes value pc insn\n");
	for (i = 0; i < n; i++, r++) {
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
			        "\"value\":\"%s\",\"pc\":\"0x%llx\",\"sym\":\"%s\",\"insn\":\"%s\"}\n",
			        (unsigned long long)r->seq, r->kind == MMIO_STORE ? "store" : "load",
			        (long long)r->offset, r->width, r->elem, class_name(r->cls), fl,
			        (unsigned long long)r->lanes, val, (unsigned long long)r->pc, pc, ins);
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
