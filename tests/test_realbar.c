/*
 * test_realbar.c - the safety rules of a real device, through the library
 * (rig_open, rig_run) rather than the tools: on a fake sysfs tree whose
 * resource2 is a regular file, so every byte the device would have received
 * can be read back. tests/realbar.sh checks the tools' side (messages, exit
 * codes, bind-uio); this file checks what only the library can be asked:
 * a store by a from-device helper on a read-only device, a load just past
 * the window, the dry run's copy, the saved window.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "testlib.h"

#define SLOT "0000:01:00.0"
#define BAR_BYTES (1u << 20)

static char root[64], res2[256];

static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "w")) || fputs(text, f) < 0 || fclose(f) != 0) {
		t_fail("fake-tree", "cannot write %s", path);
		exit(1);
	}
}

static uint8_t
orig_byte(uint32_t off)
{
	return (uint8_t)(off * 7 + 3);
}

/* The QEMU NVMe controller of tests/realbar.sh, BAR 2 only. */
static void
fake_tree(void)
{
	char dir[200];
	static uint8_t buf[BAR_BYTES];
	int fd;

	snprintf(root, sizeof root, "/tmp/test_realbar.XXXXXX");
	if (!mkdtemp(root)) {
		t_fail("fake-tree", "mkdtemp: %s", strerror(errno));
		exit(1);
	}
	snprintf(dir, sizeof dir, "%s/bus", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/bus/pci", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/bus/pci/devices", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/bus/pci/devices/" SLOT, root);
	mkdir(dir, 0755);
	put_file(dir, "vendor", "0x1b36\n");
	put_file(dir, "device", "0x0010\n");
	put_file(dir, "class", "0x010802\n");
	put_file(dir, "irq", "0\n");
	put_file(dir, "resource",
	         "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	         "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	         "0x00000000fd000000 0x00000000fd0fffff 0x000000000014220c\n"
	         "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	         "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	         "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	memset(buf, 0, 256);
	buf[4] = 0x06; /* command: memory space and bus master on */
	snprintf(res2, sizeof res2, "%s/config", dir);
	fd = open(res2, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, 256) != 256 || close(fd) != 0)
		exit(1);
	for (uint32_t i = 0; i < BAR_BYTES; i++)
		buf[i] = orig_byte(i);
	snprintf(res2, sizeof res2, "%s/resource2", dir);
	fd = open(res2, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, BAR_BYTES) != BAR_BYTES || close(fd) != 0) {
		t_fail("fake-tree", "writing %s", res2);
		exit(1);
	}
	setenv("MMIORIG_SYSFS", root, 1);
}

/* Byte off of the fake BAR as the file holds it now. */
static int
file_byte(uint32_t off)
{
	uint8_t b;
	int fd = open(res2, O_RDONLY);
	ssize_t n = pread(fd, &b, 1, off);

	close(fd);
	return n == 1 ? b : -1;
}

/* How many bytes of [lo, hi) differ from the original pattern. */
static unsigned
file_changed(uint32_t lo, uint32_t hi)
{
	static uint8_t buf[BAR_BYTES];
	unsigned n = 0;
	int fd = open(res2, O_RDONLY);

	if (fd < 0 || pread(fd, buf, hi - lo, lo) != (ssize_t)(hi - lo)) {
		t_fail("fake-tree", "reading %s", res2);
		exit(1);
	}
	close(fd);
	for (uint32_t o = lo; o < hi; o++)
		n += buf[o - lo] != orig_byte(o);
	return n;
}

static void
file_reset(uint32_t lo, uint32_t hi)
{
	int fd = open(res2, O_WRONLY);

	for (uint32_t o = lo; o < hi; o++) {
		uint8_t b = orig_byte(o);

		if (pwrite(fd, &b, 1, o) != 1)
			exit(1);
	}
	close(fd);
}

/* ---- helpers that misbehave the way the fence must catch -------------------- */

/* A from-device copy that also stores to its source: a store on the device. */
static void
copy_then_store(void *dst, const void *src, size_t len)
{
	volatile uint8_t *s = (volatile uint8_t *)(uintptr_t)src;
	uint8_t *d = dst;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
	s[0] = 0xaa;
}

/* A from-device copy that reads one byte past its source. */
static void
copy_one_more(void *dst, const void *src, size_t len)
{
	const volatile uint8_t *s = src;
	uint8_t *d = dst;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
	(void)s[len];
}

static const struct mmio_helper h_store = {
	.name = "copy-then-store", .pattern = "B per byte, then B store at +0",
	.copy = { [MMIO_FROM_DEVICE] = copy_then_store },
};
static const struct mmio_helper h_over = {
	.name = "copy-one-more", .pattern = "B per byte, then B load at +len",
	.copy = { [MMIO_FROM_DEVICE] = copy_one_more },
};

/* A byte-wise copy that behaves, for the dry run and the saved window. */
static void
bytes_to(void *dst, const void *src, size_t len)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
}

static const struct mmio_helper h_bytes = {
	.name = "bytes", .pattern = "B per byte",
	.copy = { bytes_to, bytes_to },
};

static struct rig *
open_pci(const char *name, uint64_t off, uint64_t len, bool write, enum log_strategy st)
{
	struct rig_config cfg = {
		.bar = "pci:" SLOT ",bar=2", .strategy = st, .window_off = off, .window_len = len,
		.allow_write = write,
	};
	struct rig *rig;
	int err = rig_open(&rig, &cfg);

	if (err) {
		t_fail(name, "rig_open: %s", rig_error());
		return NULL;
	}
	rig_catch_signals(rig, true);
	return rig;
}

static void
test_open(void)
{
	struct rig *rig = open_pci("open", 0x1000, 0x1000, false, LOG_AUTO);
	const char *b;

	if (!rig)
		return;
	b = rig_banner(rig);
	T_CHECK(rig_real(rig) && b && strstr(b, "device " SLOT " [1b36:0010]") &&
	        strstr(b, "read-only"), "open/banner", "banner: %s", b ? b : "(none)");
	T_CHECK(rig_default_profile(rig) && !strcmp(rig_default_profile(rig),
#if defined(__aarch64__)
	                                            "arm64-device"),
#else
	                                            "x86-uc"),
#endif
	        "open/default-profile", "got %s", rig_default_profile(rig));
	T_CHECK(rig_read_only(rig), "open/read-only-by-default", "writable without allow_write");
	{
		struct mmio_request q = { .helper = &h_bytes, .dir = MMIO_TO_DEVICE,
		                          .dev_off = 0x1000, .len = 4 };

		T_CHECK(rig_validate(rig, &q) == -EROFS, "open/to-device-refused-read-only",
		        "rig_validate: %s", rig_error());
	}
	rig_close(rig);
}

static void
test_refusals(void)
{
	struct rig_config cfg = { .bar = "pci:" SLOT ",bar=2", .strategy = LOG_AUTO };
	struct rig *rig = NULL;
	int err;

	err = rig_open(&rig, &cfg);
	T_CHECK(err == -EINVAL && strstr(rig_error(), "-window=OFFSET+LEN"), "refuse/no-window",
	        "err %d: %s", err, rig_error());
	cfg.window_len = 0x1000;
	cfg.window_off = BAR_BYTES - 0x800;
	err = rig_open(&rig, &cfg);
	T_CHECK(err == -ERANGE, "refuse/window-past-bar", "err %d: %s", err, rig_error());
	cfg.window_off = 0;
	cfg.bar = "pci:" SLOT ",bar=2,window=0-0x100";
	err = rig_open(&rig, &cfg);
	T_CHECK(err == -EINVAL && strstr(rig_error(), "twice"), "refuse/window-twice", "err %d: %s",
	        err, rig_error());
	cfg.bar = "pci:" SLOT ",bar=2";
	cfg.strategy = LOG_EMULATE;
	err = rig_open(&rig, &cfg);
	T_CHECK(err == -EINVAL && strstr(rig_error(), "emulate"), "refuse/emulate", "err %d: %s",
	        err, rig_error());
	cfg.strategy = LOG_AUTO;
	cfg.save_window = true;
	err = rig_open(&rig, &cfg);
	T_CHECK(err == -EINVAL && strstr(rig_error(), "-allow-write"),
	        "refuse/save-window-needs-allow-write", "err %d: %s", err, rig_error());
	if (rig)
		rig_close(rig);
}

static void
test_fence(enum log_strategy st, const char *sn)
{
	struct check_input in;
	struct mmio_request q = { .helper = &h_store, .dir = MMIO_FROM_DEVICE, .dev_off = 0x1010,
	                          .len = 8 };
	struct rig *rig;
	char name[80];
	int err;

	/* read-only: the store is stopped, the loads before it are not */
	snprintf(name, sizeof name, "fence/%s/read-only-store", sn);
	if (!(rig = open_pci(name, 0x1000, 0x1000, false, st)))
		return;
	err = rig_run(rig, &q, &in);
	T_CHECK(err == 0 && in.stopped && strstr(in.stop_why, "read-only") &&
	        rig_outcome(&in, false) == OUTCOME_DIED, name, "err %d, stopped %d: %s", err,
	        in.stopped, err ? rig_error() : in.stop_why);
	snprintf(name, sizeof name, "fence/%s/read-only-store-not-performed", sn);
	T_CHECK(file_changed(0x1000, 0x2000) == 0, name, "the file changed: byte 0x1010 is 0x%02x",
	        file_byte(0x1010));
	snprintf(name, sizeof name, "fence/%s/loads-before-it-recorded", sn);
	T_CHECK(in.nrecs == 9 && in.recs[8].kind == MMIO_STORE && (in.recs[8].flags & MMIO_REC_FAULT),
	        name, "%zu records", in.nrecs);
	rig_close(rig);

	/* with -allow-write the same store goes through: the fence is why it stopped */
	snprintf(name, sizeof name, "fence/%s/allow-write-store-reaches", sn);
	if (!(rig = open_pci(name, 0x1000, 0x1000, true, st)))
		return;
	err = rig_run(rig, &q, &in);
	T_CHECK(err == 0 && !in.stopped && file_byte(0x1010) == 0xaa &&
	        file_changed(0x1000, 0x2000) == 1, name, "err %d, stopped %d, byte 0x%02x", err,
	        in.stopped, file_byte(0x1010));
	file_reset(0x1010, 0x1011);
	rig_close(rig);

	/* a load one byte past the window is stopped */
	snprintf(name, sizeof name, "fence/%s/load-past-window", sn);
	if (!(rig = open_pci(name, 0x1000, 0x10, false, st)))
		return;
	q.helper = &h_over;
	q.dev_off = 0x1008;
	err = rig_run(rig, &q, &in);
	T_CHECK(err == 0 && in.stopped && strstr(in.stop_why, "1-byte load at 0x1010, outside the "
	        "window 0x1000-0x1010"), name, "err %d, stopped %d: %s", err, in.stopped,
	        err ? rig_error() : in.stop_why);
	/* and the next request runs normally */
	q.helper = &h_bytes;
	err = rig_run(rig, &q, &in);
	snprintf(name, sizeof name, "fence/%s/next-request-runs", sn);
	T_CHECK(err == 0 && !in.stopped && in.nrecs == 8, name, "err %d, stopped %d, %zu records",
	        err, in.stopped, in.nrecs);
	rig_close(rig);
}

static void
test_dry_run(bool read_window)
{
	struct rig_config cfg = {
		.bar = "pci:" SLOT ",bar=2", .strategy = LOG_AUTO, .window_off = 0x2000,
		.window_len = 0x100, .allow_write = true, .dry_run = true, .dry_run_read = read_window,
	};
	struct mmio_request q = { .helper = &h_bytes, .dir = MMIO_TO_DEVICE, .dev_off = 0x2010,
	                          .len = 16 };
	const char *name = read_window ? "dry-run-read" : "dry-run";
	struct check_input in;
	struct rig *rig;
	unsigned same = 0, zero = 0;
	int err;

	if ((err = rig_open(&rig, &cfg)) != 0) {
		t_fail(name, "rig_open: %s", rig_error());
		return;
	}
	T_CHECK(rig_real(rig) && strstr(rig_banner(rig), "dry run"),
	        read_window ? "dry-run-read/banner" : "dry-run/banner", "%s", rig_banner(rig));
	err = rig_run(rig, &q, &in);
	T_CHECK(err == 0 && in.nrecs == 16 && file_changed(0, BAR_BYTES) == 0, name,
	        "err %d, %zu records, %u bytes of the file changed", err, in.nrecs,
	        file_changed(0x2000, 0x2100));
	/* the copy outside what the helper stored: the device's bytes, or zeros */
	for (uint32_t o = 0x2080; o < 0x2100; o++) {
		same += rig->bar.alias[o] == orig_byte(o);
		zero += rig->bar.alias[o] == 0;
	}
	if (read_window)
		T_CHECK(same == 0x80, "dry-run-read/copy-holds-the-window", "%u of 128 bytes", same);
	else
		T_CHECK(zero == 0x80, "dry-run/copy-is-zeros", "%u of 128 bytes zero", zero);
	rig_close(rig);
}

static void
test_save_window(void)
{
	struct rig_config cfg = {
		.bar = "pci:" SLOT ",bar=2", .strategy = LOG_AUTO, .window_off = 0x3000,
		.window_len = 0x100, .allow_write = true, .save_window = true,
	};
	struct mmio_request q = { .helper = &h_bytes, .dir = MMIO_TO_DEVICE, .dev_off = 0x3010,
	                          .len = 16 };
	struct check_input in;
	struct rig *rig;
	int err;

	if ((err = rig_open(&rig, &cfg)) != 0) {
		t_fail("save-window", "rig_open: %s", rig_error());
		return;
	}
	err = rig_run(rig, &q, &in);
	T_CHECK(err == 0 && in.nrecs == 16 && file_changed(0x3000, 0x3100) == 0, "save-window",
	        "err %d, %zu records, %u bytes changed", err, in.nrecs, file_changed(0x3000, 0x3100));
	rig_close(rig);
	cfg.save_window = false;
	if ((err = rig_open(&rig, &cfg)) != 0)
		return;
	err = rig_run(rig, &q, &in);
	T_CHECK(err == 0 && file_changed(0x3000, 0x3100) > 0, "save-window/without-it-stores-stay",
	        "err %d, nothing changed", err);
	rig_close(rig);
	file_reset(0x3000, 0x3100);
}

int
main(void)
{
	char cmd[128];

	fake_tree();
	test_open();
	test_refusals();
#if defined(__aarch64__)
	t_skip("fence", "arm64 user space has neither step nor exec, so no device opens");
#else
	test_fence(LOG_EXEC, "exec");
	test_fence(LOG_STEP, "step");
	test_dry_run(false);
	test_dry_run(true);
	test_save_window();
#endif
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		t_fail("cleanup", "%s", cmd);
	return t_failures ? 1 : 0;
}
