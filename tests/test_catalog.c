/*
 * test_catalog.c - the helper catalog on plain memory: every built-in copies
 * correctly wherever it claims to, helper_supports says no for the right
 * reason, and plugins load or fail with a message naming file and problem.
 *
 * No trapping here: "device" and host are ordinary heap buffers, so this
 * checks data only (what R11 checks), not access patterns (the rig's job).
 * Plugins come from $MMIORIG_PLUGIN_DIR, default build/plugins (the tests
 * run from the repository root).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "out.h"
#include "helpers.h"
#include "testlib.h"

/* Device buffer layout: sources below and above, destinations in between;
 * every region starts at a multiple of 64 so offsets mod 64 are exact. */
#define DEV_SIZE   (32u * 1024u)
#define DEV_LOW    4096u   /* disjoint sources below the destination */
#define DEV_DST    12288u  /* destinations (and to/from device ranges) */
#define DEV_HIGH   20480u  /* disjoint sources above the destination */
#define HOST_SIZE  (8u * 1024u)
#define HOST_BASE  128u
#define GUARD      64u
#define POOL_SIZE  (16u * 1024u)

static uint8_t *dev, *dev_want, *host, *host_want, *pool;
static unsigned seed;

static const char *const dir_label[MMIO_NDIR] = { "to-device", "from-device", "within" };

/* A window of a buffer, filled identically in the real and the expected copy. */
struct window {
	uint8_t *buf, *want;
	size_t lo, hi; /* [lo, hi) */
	const char *what;
};

static void
window_fill(const struct window *w)
{
	size_t off = (seed = seed * 1103515245u + 12345u) >> 8 & (POOL_SIZE / 2 - 1);

	memcpy(w->buf + w->lo, pool + off, w->hi - w->lo);
	memcpy(w->want + w->lo, pool + off, w->hi - w->lo);
}

/* 0 if equal, else a description of the first difference in msg. */
static int
window_check(const struct window *w, size_t base, char *msg, size_t size)
{
	if (!memcmp(w->buf + w->lo, w->want + w->lo, w->hi - w->lo))
		return 0;
	for (size_t i = w->lo; i < w->hi; i++) {
		if (w->buf[i] != w->want[i]) {
			snprintf(msg, size, "%s byte at %+ld from the range start is 0x%02x, want 0x%02x",
			         w->what, (long)i - (long)base, w->buf[i], w->want[i]);
			break;
		}
	}
	return 1;
}

/*
 * Run one request; 0 if the data is right, 1 (with msg) if not, -1 if the
 * helper does not support it. For within, dev_off and src_off are offsets in
 * dev; otherwise dev_off is the device range's offset and mis the host's
 * misalignment.
 */
static int
run_case(const struct mmio_helper *h, enum mmio_dir dir, uint32_t dev_off, uint32_t src_off,
         uint32_t len, uint32_t mis, char *msg, size_t size)
{
	struct mmio_request r = {
		.helper = h, .dir = dir, .dev_off = dev_off, .src_off = src_off,
		.len = len, .host_misalign = mis,
	};
	struct window w[2];
	size_t nw = 2, hoff = HOST_BASE + mis;
	int bad = 0;

	if (!helper_supports(h, &r, NULL))
		return -1;
	if (dir == MMIO_WITHIN) {
		size_t a = src_off < dev_off ? src_off : dev_off;
		size_t b = src_off < dev_off ? dev_off : src_off;

		w[0] = (struct window){ dev, dev_want, dev_off - GUARD, dev_off + len + GUARD,
		                        "device destination" };
		w[1] = (struct window){ dev, dev_want, src_off - GUARD, src_off + len + GUARD,
		                        "device source" };
		if (b <= a + len + 2 * GUARD) {
			w[0].lo = a - GUARD;
			w[0].hi = b + len + GUARD;
			w[0].what = "device";
			nw = 1;
		}
	} else {
		w[0] = (struct window){ dev, dev_want, dev_off - GUARD, dev_off + len + GUARD,
		                        dir == MMIO_TO_DEVICE ? "device destination" : "device source" };
		w[1] = (struct window){ host, host_want, hoff - GUARD, hoff + len + GUARD,
		                        dir == MMIO_TO_DEVICE ? "host source" : "host destination" };
	}
	for (size_t i = 0; i < nw; i++)
		window_fill(&w[i]);

	switch (dir) {
	case MMIO_TO_DEVICE:
		memcpy(dev_want + dev_off, host_want + hoff, len);
		h->copy[dir](dev + dev_off, host + hoff, len);
		break;
	case MMIO_FROM_DEVICE:
		memcpy(host_want + hoff, dev_want + dev_off, len);
		h->copy[dir](host + hoff, dev + dev_off, len);
		break;
	default:
		memmove(dev_want + dev_off, dev_want + src_off, len);
		h->copy[dir](dev + dev_off, dev + src_off, len);
		break;
	}

	for (size_t i = 0; i < nw && !bad; i++) {
		size_t base = w[i].buf == host ? hoff : dev_off;

		bad = window_check(&w[i], base, msg, size);
	}
	return bad;
}

static const uint32_t long_lens[] = { 511, 512, 513, 1000, 2047, 2048, 4095, 4096 };
#define NLENS (301 + sizeof long_lens / sizeof long_lens[0])

static uint32_t
len_at(size_t i)
{
	return i <= 300 ? (uint32_t)i : long_lens[i - 301];
}

/* Relative source positions for overlapping within requests (len-scaled too). */
static const int overlap_k[] = { -9, -8, -7, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 7, 8, 9 };

static void
test_copy(const struct mmio_helper *h, enum mmio_dir dir)
{
	char name[96], msg[200] = "", first[400] = "";
	unsigned long ran = 0, failed = 0;

	snprintf(name, sizeof name, "copy/%s/%s", h->name, dir_label[dir]);

	for (size_t li = 0; li < NLENS; li++) {
		uint32_t len = len_at(li);

		for (uint32_t off = 0; off < 64; off++) {
			uint32_t dst = DEV_DST + off;
			int32_t srcs[16 + 2 + sizeof overlap_k / sizeof overlap_k[0]];
			size_t ns = 0;

			if (dir != MMIO_WITHIN) {
				for (uint32_t mis = 0; mis < 8; mis++) {
					int rc = run_case(h, dir, dst, 0, len, mis, msg, sizeof msg);

					ran += rc >= 0;
					if (rc > 0 && !failed++)
						snprintf(first, sizeof first, "len %u dev_off %u mis %u: %s",
						         len, off, mis, msg);
				}
				continue;
			}
			for (int32_t delta = 0; delta < 8; delta++) {
				srcs[ns++] = (int32_t)(DEV_LOW + off) + delta;
				srcs[ns++] = (int32_t)(DEV_HIGH + off) + delta;
			}
			srcs[ns++] = (int32_t)dst - (int32_t)len / 2;
			srcs[ns++] = (int32_t)dst + (int32_t)len / 2;
			for (size_t k = 0; k < sizeof overlap_k / sizeof overlap_k[0]; k++)
				srcs[ns++] = (int32_t)dst + overlap_k[k];
			for (size_t i = 0; i < ns; i++) {
				int rc = run_case(h, dir, dst, (uint32_t)srcs[i], len, 0, msg, sizeof msg);

				ran += rc >= 0;
				if (rc > 0 && !failed++)
					snprintf(first, sizeof first, "len %u dst %+d src %+d: %s", len,
					         (int)off, srcs[i] - (int32_t)DEV_DST, msg);
			}
		}
	}
	if (!ran)
		t_fail(name, "helper_supports accepted no request at all");
	else
		T_CHECK(!failed, name, "%lu of %lu requests wrong; first: %s", failed, ran, first);
}

/* Test (1): every built-in, every direction it has. */
static void
test_builtins_copy(void)
{
	for (const struct mmio_helper *const *h = catalog; *h; h++)
		for (int d = 0; d < MMIO_NDIR; d++)
			if ((*h)->copy[d])
				test_copy(*h, (enum mmio_dir)d);
}

static void
test_catalog_shape(void)
{
	static const char *const order[] = {
		"memcpy", "memmove", "bytewise", "builtin-fixed", "natural", "toio-x86",
		"toio-generic", "iowrite32-copy", "iowrite64-copy", "rte-mov15", "mmio-copy",
	};
	const size_t norder = sizeof order / sizeof order[0];
	const struct mmio_helper *const *all;
	size_t n, i, ok = 1;
	char *text = NULL;
	size_t text_len = 0;
	FILE *f;

	for (i = 0; i < norder; i++)
		ok &= catalog[i] && !strcmp(catalog[i]->name, order[i]);
	T_CHECK(ok, "catalog/order", "built-ins not in the documented order");
	T_CHECK(!catalog[norder], "catalog/terminator", "entry %zu is not NULL", norder);

	all = helper_all(&n);
	ok = n == norder;
	for (i = 0; ok && i < n; i++)
		ok = all[i] == catalog[i] && helper_lookup(order[i]) == catalog[i];
	T_CHECK(ok, "catalog/all-and-lookup", "helper_all/helper_lookup disagree with catalog[]");
	T_CHECK(!helper_lookup("no-such-helper") && !helper_lookup(NULL), "catalog/lookup-unknown",
	        "an unknown name was found");

	ok = 1;
	for (const struct mmio_helper *const *h = catalog; *h; h++)
		ok &= (*h)->pattern && *(*h)->pattern && !strchr((*h)->pattern, '\n');
	T_CHECK(ok, "catalog/patterns", "a built-in pattern is missing or not one line");

	f = open_memstream(&text, &text_len);
	if (!f) {
		t_fail("catalog/list", "open_memstream: %s", strerror(errno));
		return;
	}
	helper_list(f);
	fclose(f);
	ok = 1;
	for (i = 0; i < norder; i++)
		ok &= strstr(text, order[i]) != NULL;
	n = 0;
	for (char *p = text; *p; p++)
		n += *p == '\n';
	T_CHECK(ok && n == norder && strstr(text, "to-device,from-device,within") &&
	        strstr(text, catalog[norder - 1]->pattern),
	        "catalog/list", "listing incomplete:\n%s", text);
	free(text);
}

/* Test (2): helper_supports says yes or no, and names the limit. */
static void
never_called(void *dst, const void *src, size_t len)
{
	(void)dst, (void)src, (void)len;
	abort();
}

static void
supports_case(const char *name, const char *helper, enum mmio_dir dir, uint32_t dev_off,
              uint32_t src_off, uint32_t len, bool want, const char *why_has)
{
	const struct mmio_helper *h = helper_lookup(helper);
	struct mmio_request r = { .helper = h, .dir = dir, .dev_off = dev_off,
	                          .src_off = src_off, .len = len };
	const char *why = NULL;
	bool got;

	if (!h) {
		t_fail(name, "no helper %s", helper);
		return;
	}
	got = helper_supports(h, &r, &why);
	if (got != want)
		t_fail(name, "helper_supports said %s (%s)", got ? "yes" : "no", got ? "-" : why);
	else if (!want && (!why || !strstr(why, why_has)))
		t_fail(name, "reason \"%s\" does not mention \"%s\"", why ? why : "(null)", why_has);
	else
		t_pass("%s", name);
}

static void
test_supports(void)
{
	static const struct mmio_helper fake = {
		.name = "fake", .pattern = "-", .copy = { NULL, NULL, never_called },
		.dev_align = 4,
	};
	struct mmio_request r = { .helper = &fake, .dir = MMIO_WITHIN, .dev_off = 8,
	                          .src_off = 66, .len = 4 };
	const char *why = NULL;

	supports_case("supports/fixed-len3", "builtin-fixed", MMIO_TO_DEVICE, 0, 0, 3, false,
	              "length 3 not in {1,2,4,8}");
	supports_case("supports/fixed-len8", "builtin-fixed", MMIO_FROM_DEVICE, 5, 0, 8, true, "");
	supports_case("supports/fixed-len0", "builtin-fixed", MMIO_TO_DEVICE, 0, 0, 0, false,
	              "length 0");
	supports_case("supports/fixed-len40", "builtin-fixed", MMIO_TO_DEVICE, 0, 0, 40, false,
	              "length 40");
	supports_case("supports/iowrite32-from", "iowrite32-copy", MMIO_FROM_DEVICE, 0, 0, 4,
	              false, "from-device");
	supports_case("supports/iowrite32-len6", "iowrite32-copy", MMIO_TO_DEVICE, 0, 0, 6, false,
	              "multiple of 4");
	supports_case("supports/iowrite32-off2", "iowrite32-copy", MMIO_TO_DEVICE, 2, 0, 8, false,
	              "offset 0x2");
	supports_case("supports/iowrite32-ok", "iowrite32-copy", MMIO_TO_DEVICE, 12, 0, 16, true, "");
	supports_case("supports/iowrite64-off4", "iowrite64-copy", MMIO_TO_DEVICE, 4, 0, 8, false,
	              "multiple of 8");
	supports_case("supports/rte-len16", "rte-mov15", MMIO_TO_DEVICE, 0, 0, 16, false,
	              "maximum 15");
	supports_case("supports/rte-len15", "rte-mov15", MMIO_WITHIN, 0, 64, 15, true, "");
	supports_case("supports/toio-within", "toio-x86", MMIO_WITHIN, 0, 64, 4, false, "within");
	supports_case("supports/memcpy-overlap", "memcpy", MMIO_WITHIN, 8, 4, 8, false, "overlap");
	supports_case("supports/memcpy-adjacent", "memcpy", MMIO_WITHIN, 8, 0, 8, true, "");
	supports_case("supports/memcpy-same", "memcpy", MMIO_WITHIN, 8, 8, 1, false, "overlap");
	supports_case("supports/memcpy-len0-same", "memcpy", MMIO_WITHIN, 8, 8, 0, true, "");
	supports_case("supports/memmove-overlap", "memmove", MMIO_WITHIN, 8, 4, 8, true, "");
	supports_case("supports/mmio-copy-any", "mmio-copy", MMIO_WITHIN, 3, 1, 4096, true, "");
	supports_case("supports/bad-dir", "mmio-copy", (enum mmio_dir)7, 0, 0, 1, false,
	              "direction");

	T_CHECK(!helper_supports(&fake, &r, &why) && why && strstr(why, "source offset 0x42"),
	        "supports/within-src-align", "src_off 66 with dev_align 4: %s", why ? why : "yes");
	r.src_off = 64;
	T_CHECK(helper_supports(&fake, &r, NULL), "supports/within-src-aligned",
	        "src_off 64 with dev_align 4 refused");
}

/* Test (3): plugins. */
static const char *plugin_dir;

static void
plugin_path(char *buf, size_t size, const char *file)
{
	snprintf(buf, size, "%s/%s", plugin_dir, file);
}

static void
plugin_bad(const char *name, const char *file, int want_err, const char *word)
{
	char path[4096];
	size_t before, after;
	int rc;

	plugin_path(path, sizeof path, file);
	helper_all(&before);
	rc = helper_load_plugin(path);
	helper_all(&after);
	if (rc == 0)
		t_fail(name, "%s loaded", path);
	else if (want_err && rc != -want_err)
		t_fail(name, "returned %d, want %d: %s", rc, -want_err, rig_error());
	else if (!strstr(rig_error(), path) || !strstr(rig_error(), word))
		t_fail(name, "message lacks \"%s\" or \"%s\": %s", path, word, rig_error());
	else if (after != before)
		t_fail(name, "%zu helpers registered by a refused plugin", after - before);
	else
		t_pass("%s", name);
}

static void
test_plugins(void)
{
	const struct mmio_helper *const *all;
	const struct mmio_helper *h;
	char path[4096];
	size_t n_before, n;
	int rc;

	plugin_dir = getenv("MMIORIG_PLUGIN_DIR");
	if (!plugin_dir || !*plugin_dir)
		plugin_dir = "build/plugins";

	helper_all(&n_before);
	plugin_path(path, sizeof path, "plugin_helper.so");
	rc = helper_load_plugin(path);
	T_CHECK(rc == 0, "plugin/example-loads", "%s: %s", path, rig_error());
	if (rc == 0) {
		all = helper_all(&n);
		h = helper_lookup("example-words");
		T_CHECK(n == n_before + 2 && helper_lookup("example-bytes") == all[n_before] &&
		        h == all[n_before + 1] && h->copy[MMIO_TO_DEVICE] && h->dev_align == 4,
		        "plugin/example-lookup", "helpers not registered after the built-ins");
		if (h && h->copy[MMIO_TO_DEVICE]) {
			test_copy(h, MMIO_TO_DEVICE);
			test_copy(helper_lookup("example-bytes"), MMIO_WITHIN);
		}
		/* Loading it again clashes with its own helpers. */
		plugin_bad("plugin/example-twice", "plugin_helper.so", EEXIST, "duplicate");
	}
	plugin_bad("plugin/bad-abi", "bad_abi.so", EPROTO, "abi");
	plugin_bad("plugin/no-symbol", "no_symbol.so", 0, "symbol mmio_helper_table");
	plugin_bad("plugin/bad-name", "bad_name.so", EINVAL, "name");
	plugin_bad("plugin/dup-name", "dup_name.so", EEXIST, "duplicate");
	plugin_bad("plugin/bad-pattern", "bad_pattern.so", EINVAL, "pattern has character 0x0a");
	plugin_bad("plugin/missing-file", "no_such_plugin.so", ENOENT, "cannot load");
	T_CHECK(!helper_lookup("bad-name-ok") && !helper_lookup("dup-name"),
	        "plugin/refused-not-registered", "a refused plugin's helper is known");
}

int
main(void)
{
	if (helper_add_builtins(catalog) != 0) {
		t_fail("setup", "helper_add_builtins: %s", rig_error());
		return t_exit();
	}
	dev = aligned_alloc(4096, DEV_SIZE);
	dev_want = aligned_alloc(4096, DEV_SIZE);
	host = aligned_alloc(4096, HOST_SIZE);
	host_want = aligned_alloc(4096, HOST_SIZE);
	pool = malloc(POOL_SIZE);
	if (!dev || !dev_want || !host || !host_want || !pool) {
		t_fail("setup", "out of memory");
		return t_exit();
	}
	seed = 12345;
	for (size_t i = 0; i < POOL_SIZE; i++)
		pool[i] = (uint8_t)((seed = seed * 1103515245u + 12345u) >> 16);

	test_catalog_shape();
	test_supports();
	test_builtins_copy();
	test_plugins();

	free(dev);
	free(dev_want);
	free(host);
	free(host_want);
	free(pool);
	return t_exit();
}
