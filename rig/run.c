/*
 * run.c - one request, end to end: paint the window, arm, call the helper,
 * disarm, and measure what R11 needs. The fuzzer, replay and the sweep all
 * come through here, so it is on the fuzzer's hot path: the work per request
 * is O(len + records), never O(BAR size).
 *
 * The rig touches the BAR only inside the request's window (its ranges and
 * PAINT_MARGIN bytes around each, clamped to the backend's window), only
 * through the exact-width device I/O, and only where the backend says its
 * alias is plain memory: a real device's registers are never painted, saved
 * or compared. Before each request the window is painted with the background
 * bar_base() (the source range with the source pattern), so the invariant is
 * per request and nothing needs restoring afterwards.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/* Bytes painted and compared around each range: the widest access, so a
 * vector tail that spills over a range's end lands on known bytes. */
#define PAINT_MARGIN MMIO_MAX_WIDTH

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

/* The host buffer: the longest request, a guard each side, room to misalign. */
#define HOST_BYTES (MMIO_REQ_MAX_LEN + 2 * RIG_HOST_GUARD + MMIO_HOST_ALIGN)
/*
 * Where in its page the host buffer starts. glibc's memmove chooses between
 * rep movsb and a vector loop by the distance between destination and source
 * modulo the page (4K aliasing); the view is page aligned, so a buffer from
 * the heap made that choice, and with it the records, depend on what else the
 * tool had allocated (a request replayed by another tool took another path).
 * Half a page away the distance is the same in every tool and run.
 */
#define HOST_PAGE_OFFSET 2048

static size_t
host_mapping(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (HOST_PAGE_OFFSET + HOST_BYTES + page - 1) / page * page;
}

static uint8_t *
host_alloc(void)
{
	uint8_t *p = mmap(NULL, host_mapping(), PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p + HOST_PAGE_OFFSET;
}

static void
host_free(uint8_t *host)
{
	if (host)
		munmap(host - HOST_PAGE_OFFSET, host_mapping());
}

/* [lo, hi) of the BAR to or from buf, in naturally aligned 8-byte accesses
 * (single bytes at unaligned ends): on a device, the only accesses the rig
 * makes itself, and only when asked (-save-window, -dry-run-read). */
static void fetch(struct bar *b, uint64_t lo, uint64_t hi, uint8_t *out);
static void put(struct bar *b, uint64_t lo, uint64_t hi, const uint8_t *in);
static void banner_finish(struct rig *rig);

/* What a real device needs before anything runs: a window, the access rights,
 * a strategy that issues the helper's own instructions. */
static int
device_setup(struct rig *rig, const struct rig_config *cfg)
{
	struct bar *b = &rig->bar;
	const char *name = b->ops->name;

	if (!b->win_given)
		return rig_fail(EINVAL, "-bar=%s is a device, not memory: give the window the rig may "
		                "touch, -window=OFFSET+LEN (the BAR is %zu bytes, 0x%zx); nothing "
		                "outside it is accessed", cfg->bar, b->size, b->size);
	if (!cfg->allow_write)
		b->read_only = true;
	if (cfg->save_window && b->read_only)
		return rig_fail(EINVAL, "-save-window writes the window back after each request, "
		                "which needs -allow-write");
	if (cfg->strategy == LOG_EMULATE)
		return rig_fail(EINVAL, "-strategy=emulate is refused on -bar=%s: it performs a "
		                "trapped access in C, which keeps the access's width but not the "
		                "helper's instruction class, so the device would not see what the "
		                "helper issues; use -strategy=step (the helper's instruction, "
		                "single-stepped) or -strategy=exec (the same instruction run on the "
		                "rig's mapping)", name);
	/* a read-only device's mapping takes no store, whoever issues it */
	if (b->read_only && b->map_hi > b->map_lo &&
	    mprotect(b->alias + b->map_lo, b->map_hi - b->map_lo, PROT_READ) != 0)
		return rig_fail(errno, "making the rig's mapping of the device read-only: %s",
		                strerror(errno));
	return 0;
}

/* On a device, a strategy this architecture has: exec, else step (LOG_AUTO), or
 * the one asked for; none is a refusal, not a request left unjudged. */
static int
device_strategy(struct rig *rig, const struct rig_config *cfg)
{
	bool exec = arch_host.can_exec && arch_host.can_exec(NULL, NULL);

	if (rig->strategy == LOG_EXEC && !exec && arch_host.can_step && cfg->strategy == LOG_AUTO)
		rig->strategy = LOG_STEP;
	if ((rig->strategy == LOG_EXEC && !exec) || (rig->strategy == LOG_STEP && !arch_host.can_step))
		return rig_fail(ENOTSUP, "-bar=%s: %s %s; on a device the rig issues the helper's "
		                "own instructions (step or exec), and this build can %s", cfg->bar,
		                arch_host.name, rig->strategy == LOG_EXEC ? "has no exec strategy"
		                : "cannot single-step in user space",
		                exec ? "only exec (-strategy=exec)" : arch_host.can_step
		                ? "only step (-strategy=step)" : "do neither, so it cannot drive a "
		                "device");
	return 0;
}

/* -dry-run: a mock of the BAR's size stands for the device (no painting, the
 * same window, fence and strategies). With -dry-run-read the device stays
 * mapped until the first request copies its window (after the tool has printed
 * the banner: nothing is accessed before it); otherwise it is unmapped now. */
static int
dry_run_setup(struct rig *rig, const struct rig_config *cfg)
{
	struct bar *dev = &rig->device;
	int err;

	if (rig->bar.size > BAR_MAP_MAX)
		return rig_fail(ENOTSUP, "-dry-run: the BAR is %zu bytes, and the dry run's memory "
		                "copy of it holds at most 1 GiB; run without -dry-run (the device "
		                "is read-only unless -allow-write)", rig->bar.size);
	rig->device = rig->bar;
	memset(&rig->bar, 0, sizeof rig->bar);
	snprintf(rig->banner, sizeof rig->banner, "%s", dev->banner ? dev->banner : "");
	if ((err = bar_open(&rig->bar, "mock", dev->size)) != 0)
		return err;
	rig->bar.alias_is_memory = false; /* treated as the device it stands for */
	rig->bar.win_lo = dev->win_lo;
	rig->bar.win_hi = dev->win_hi;
	rig->bar.win_given = true;
	rig->bar.read_only = dev->read_only;
	rig->bar.profile = dev->profile;
	if (!cfg->dry_run_read)
		bar_close(dev);
	return 0;
}

/* -dry-run-read, before the first request: the device's window into the copy,
 * read once; the device is unmapped then. */
static void
dry_run_read(struct rig *rig)
{
	struct bar *dev = &rig->device;

	fetch(dev, dev->win_lo, dev->win_hi, rig->bar.alias + dev->win_lo);
	bar_close(dev);
}

int
rig_open(struct rig **out, const struct rig_config *cfg)
{
	struct rig *rig;
	int err;

	*out = NULL;
	if ((err = logger_init()) != 0)
		return err;
	if (!(rig = calloc(1, sizeof *rig)))
		return rig_fail(ENOMEM, "allocating the rig");
	/* without -allow-write a device is opened for reading only; a dry run that reads
	 * nothing only describes a device whose opening would act on it (the mock
	 * ignores both) */
	if ((err = bar_open_flags(&rig->bar, cfg->bar, cfg->bar_size,
	                          (cfg->allow_write ? 0 : BAR_OPEN_RO) |
	                          (cfg->dry_run && !cfg->dry_run_read ? BAR_OPEN_DESCRIBE : 0)))
	    != 0) {
		free(rig);
		return err;
	}
	if (cfg->window_len) {
		if (rig->bar.win_given)
			err = rig_fail(EINVAL, "the window is given twice (-window= and -bar=...:"
			               "window=); give it once");
		else if (cfg->window_off + cfg->window_len < cfg->window_off)
			err = rig_fail(ERANGE, "-window=0x%llx+%llu wraps around",
			               (unsigned long long)cfg->window_off,
			               (unsigned long long)cfg->window_len);
		else
			err = bar_set_window(&rig->bar, cfg->window_off,
			                     cfg->window_off + cfg->window_len, "-window=");
		if (err) {
			rig_close(rig);
			return err;
		}
	}
	/* (allow_write asks for nothing memory does not already do: it is taken) */
	if ((cfg->dry_run || cfg->dry_run_read || cfg->save_window) && !bar_is_real(&rig->bar)) {
		err = rig_fail(EINVAL, "-%s is for a real device (-bar=pci:..., uio:..., "
		               "vfio:...); the %s BAR is memory already", cfg->dry_run ? "dry-run"
		               : cfg->dry_run_read ? "dry-run-read" : "save-window",
		               rig->bar.ops->name);
		rig_close(rig);
		return err;
	}
	if (cfg->dry_run_read && !cfg->dry_run) {
		rig_close(rig);
		return rig_fail(EINVAL, "-dry-run-read fills -dry-run's copy: give -dry-run too");
	}
	if (bar_is_real(&rig->bar)) {
		/* a backend without a description is the mock standing in for a device */
		snprintf(rig->banner, sizeof rig->banner, "%s", rig->bar.banner ? rig->bar.banner
		         : "device: the mock BAR behaving as a device (memory, no hardware)\n");
		if ((err = device_setup(rig, cfg)) != 0 ||
		    (cfg->dry_run && (err = dry_run_setup(rig, cfg)) != 0)) {
			rig_close(rig);
			return err;
		}
		rig->dry_run = cfg->dry_run;
		rig->save_window = cfg->save_window;
		if (rig->save_window &&
		    !(rig->saved = malloc(rig->bar.win_hi - rig->bar.win_lo))) {
			rig_close(rig);
			return rig_fail(ENOMEM, "allocating the saved window");
		}
	}
	if (rig_real(rig) && cfg->model && strcmp(cfg->model, "plain")) {
		rig_close(rig);
		return rig_fail(EINVAL, "-model=%s describes a mock BAR's contents; on a real device "
		                "the device answers for itself (leave -model= out)", cfg->model);
	}
	if ((err = devmodel_open(&rig->model, cfg->model, &rig->bar)) != 0) {
		rig_close(rig);
		return err;
	}
	fault_layer_init(&rig->layer, &rig->faults, &rig->model);
	if (rig_real(rig)) {
		fence_init(&rig->fence_m, &rig->fence, &rig->layer);
		banner_finish(rig);
	}
	/* a device wants its helper's own instruction; the mock takes the fastest:
	 * the translated helper where the architecture has a translator */
	rig->strategy = cfg->strategy != LOG_AUTO ? cfg->strategy
	              : !rig->bar.alias_is_memory ? LOG_EXEC
	              : arch_host.tr ? LOG_TRANSLATE : LOG_EMULATE;
	if (rig_real(rig) && (err = device_strategy(rig, cfg)) != 0) {
		rig_close(rig);
		return err;
	}
	rig->host = host_alloc();
	rig->host_want = malloc(HOST_BYTES);
	rig->dev_want = malloc(MMIO_REQ_MAX_LEN);
	if (!rig->host || !rig->host_want || !rig->dev_want) {
		rig_close(rig);
		return rig_fail(ENOMEM, "allocating %zu bytes of host buffers", 2 * (size_t)HOST_BYTES);
	}
	*out = rig;
	return 0;
}

bool
rig_real(const struct rig *rig)
{
	return bar_is_real(&rig->bar);
}

const char *
rig_default_profile(const struct rig *rig)
{
	return rig->bar.profile;
}

const char *
rig_banner(const struct rig *rig)
{
	return rig_real(rig) ? rig->banner : NULL;
}

/* The backend's lines, then what the rig's flags made of them. */
static void
banner_finish(struct rig *rig)
{
	const struct bar *b = &rig->bar;
	size_t n = strlen(rig->banner);

	/* a fake tree answers the driver and Memory Space checks instead of the kernel */
	if ((rig->dry_run || strcmp(rig->bar.ops->name, "mock")) && strcmp(sysfs_root(), "/sys"))
		n += (size_t)snprintf(rig->banner + n, sizeof rig->banner - n,
		                      "  sysfs read from %s (MMIORIG_SYSFS), not /sys: the driver and "
		                      "Memory Space checks trust that tree\n", sysfs_root());
	if (n >= sizeof rig->banner)
		n = sizeof rig->banner - 1;
	snprintf(rig->banner + n, sizeof rig->banner - n,
	         "  window 0x%llx-0x%llx (%llu bytes): nothing outside it is accessed\n"
	         "  %s%s\n",
	         (unsigned long long)b->win_lo, (unsigned long long)b->win_hi,
	         (unsigned long long)(b->win_hi - b->win_lo),
	         b->read_only ? "read-only: stores are refused (-allow-write lets them through)"
	                      : "writable (-allow-write): stores reach the device",
	         rig->dry_run && rig->device.ops ? "\n  dry run: the helper runs on a copy of "
	                      "the window, read from the device once before the first request; "
	                      "nothing else reaches the device" :
	         rig->dry_run ? "\n  dry run: the helper runs on a copy of the window; nothing "
	                      "reaches the device" :
	         rig->save_window ? "\n  the window is saved before each request and restored "
	                            "after it (-save-window)" : "");
}

static void catcher_uninstall(void);

void
rig_close(struct rig *rig)
{
	if (!rig)
		return;
	catcher_uninstall();
	devmodel_close(&rig->model);
	if (rig->bar.ops)
		bar_close(&rig->bar);
	if (rig->device.ops)
		bar_close(&rig->device);
	free(rig->saved);
	host_free(rig->host);
	free(rig->host_want);
	free(rig->dev_want);
	free(rig);
}

enum log_strategy
rig_strategy(const struct rig *rig)
{
	return rig->strategy;
}

size_t
rig_bar_size(const struct rig *rig)
{
	return rig->bar.size;
}

void
rig_window(const struct rig *rig, uint64_t *lo, uint64_t *hi)
{
	*lo = rig->bar.win_lo;
	*hi = rig->bar.win_hi;
}

/* ---- faults and the signals they raise ------------------------------------------ */

int
rig_set_faults(struct rig *rig, const struct fault_plan *plan)
{
	int err;

	if ((err = fault_layer_check(&rig->faults, plan)) != 0)
		return err;
	/* a device answers for itself: what reached it cannot be dropped, and what it
	 * returns cannot be changed; stopping or slowing the helper is honest */
	for (unsigned i = 0; plan && rig_real(rig) && i < plan->n; i++) {
		const struct fault_item *it = &plan->item[i];
		char t[64];

		if (it->kind == FAULT_DELAY || (it->kind == FAULT_REMOVE && it->mode == FAULT_SIGBUS))
			continue;
		fault_item_text(t, sizeof t, it);
		return rig_fail(EINVAL, "-fault=%s cannot be injected on a real device: the rig "
		                "cannot take back a store that reached it or change what it "
		                "answers; there only delay@N:US and remove@N:sigbus are", t);
	}
	if (plan)
		rig->faults.plan = *plan;
	else
		memset(&rig->faults.plan, 0, sizeof rig->faults.plan);
	return 0;
}

const struct fault_plan *
rig_fault_plan(const struct rig *rig)
{
	return &rig->faults.plan;
}

void
rig_catch_signals(struct rig *rig, bool on)
{
	rig->catch_signals = on;
}

/*
 * The one request that catches its helper's fault signal at a time. The
 * handlers stay installed from one request to the next (installing and
 * restoring them around each was four of a sweep's five system calls per
 * request); one that fires while no request runs is the program's own signal
 * and goes to what was installed before, with its own information.
 */
static struct {
	sigjmp_buf jmp;
	volatile sig_atomic_t armed;
	siginfo_t si;
	struct sigaction old, old_xcpu;
	bool bus, xcpu; /* ours is installed for SIGBUS, for SIGXCPU */
} catcher;

static void
on_fault_signal(int sig, siginfo_t *si, void *ctx)
{
	const struct sigaction *old = sig == SIGXCPU ? &catcher.old_xcpu : &catcher.old;

	if (catcher.armed) {
		catcher.si = *si;
		catcher.armed = 0;
		siglongjmp(catcher.jmp, 1);
	}
	if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
		old->sa_sigaction(sig, si, ctx);
		return;
	}
	if (!(old->sa_flags & SA_SIGINFO) && old->sa_handler != SIG_DFL &&
	    old->sa_handler != SIG_IGN) {
		old->sa_handler(sig);
		return;
	}
	/* the default action: put it back; a fault's instruction runs again and
	 * takes it with the kernel's own information, a sent signal is sent again */
	sigaction(sig, old, NULL);
	if (sig == SIGXCPU)
		catcher.xcpu = false;
	else
		catcher.bus = false;
	if (si->si_code <= 0)
		raise(sig);
}

/* Ours for SIGXCPU (a routine past its access budget, a fence's stop) and,
 * when the tool catches fault signals, for SIGBUS; the program's otherwise. */
static void
catcher_install(bool bus)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (bus && !catcher.bus)
		catcher.bus = sigaction(SIGBUS, &sa, &catcher.old) == 0;
	else if (!bus && catcher.bus) {
		sigaction(SIGBUS, &catcher.old, NULL);
		catcher.bus = false;
	}
	if (!catcher.xcpu)
		catcher.xcpu = sigaction(SIGXCPU, &sa, &catcher.old_xcpu) == 0;
}

static void
catcher_uninstall(void)
{
	catcher.armed = 0;
	if (catcher.bus)
		sigaction(SIGBUS, &catcher.old, NULL);
	if (catcher.xcpu)
		sigaction(SIGXCPU, &catcher.old_xcpu, NULL);
	catcher.bus = catcher.xcpu = false;
}

static int view_restore(struct rig *rig);
static void device_view_check(struct rig *rig);

void
rig_abandon(struct rig *rig)
{
	catcher.armed = 0;
	logger_abandon();
	/* a routine stopped by the time limit may have mapped over the view */
	if (rig && rig->bar.alias_is_memory && rig->faults.budget)
		view_restore(rig);
	if (rig && !rig->bar.alias_is_memory && rig->faults.budget)
		device_view_check(rig);
	/* the time limit jumped out of rig_run between -save-window's save and its
	 * write-back: write it back here */
	if (rig && rig->saved_held) {
		put(&rig->bar, rig->bar.win_lo, rig->bar.win_hi, rig->saved);
		rig->saved_held = false;
	}
}

enum run_outcome
rig_outcome(const struct check_input *in, bool timed_out)
{
	if (timed_out || in->over_budget)
		return OUTCOME_HUNG;
	if (in->signalled || in->stopped)
		return OUTCOME_DIED;
	if (in->data_measured && in->data.region != DATA_OK)
		return OUTCOME_WRONG_DATA;
	return OUTCOME_COPED;
}

bool
rig_read_only(const struct rig *rig)
{
	return rig->bar.read_only;
}

int
rig_validate(const struct rig *rig, const struct mmio_request *q)
{
	const struct bar *b = &rig->bar;
	const char *why = NULL;

	if (!q->helper)
		return rig_fail(EINVAL, "request without a helper");
	if (rig->unusable[0])
		return rig_fail(EIO, "%s", rig->unusable);
	if ((unsigned)q->dir >= MMIO_NDIR)
		return rig_fail(EINVAL, "direction %d out of range", (int)q->dir);
	if (q->len > MMIO_REQ_MAX_LEN)
		return rig_fail(ERANGE, "length %u exceeds the longest request, %u bytes",
		                q->len, MMIO_REQ_MAX_LEN);
	if ((uint64_t)q->dev_off + q->len > b->size)
		return rig_fail(ERANGE, "device range 0x%x+%u ends past the BAR (%zu bytes)",
		                q->dev_off, q->len, b->size);
	if (q->dir == MMIO_WITHIN && (uint64_t)q->src_off + q->len > b->size)
		return rig_fail(ERANGE, "source range 0x%x+%u ends past the BAR (%zu bytes)",
		                q->src_off, q->len, b->size);
	if (q->dev_off < b->win_lo || (uint64_t)q->dev_off + q->len > b->win_hi ||
	    (q->dir == MMIO_WITHIN &&
	     (q->src_off < b->win_lo || (uint64_t)q->src_off + q->len > b->win_hi)))
		return rig_fail(ERANGE, "the request's ranges leave the window 0x%llx-0x%llx; "
		                "move them inside it or widen it (-window=OFFSET+LEN)",
		                (unsigned long long)b->win_lo, (unsigned long long)b->win_hi);
	/* the dry run answers as the device run would, so it refuses the same */
	if (b->read_only && q->dir != MMIO_FROM_DEVICE && rig->dry_run)
		return rig_fail(EROFS, "the device is read-only: a %s copy would store to it, so "
		                "the run -dry-run stands for would be refused too; add -allow-write "
		                "(with -dry-run still nothing reaches the device) or copy "
		                "-dir=from-device", dir_name(q->dir));
	if (b->read_only && q->dir != MMIO_FROM_DEVICE && bar_is_real(b))
		return rig_fail(EROFS, "the device is read-only: a %s copy would store to it, and "
		                "nothing was run; add -allow-write to let stores reach the device, "
		                "-dry-run to see what would be issued without touching it, or copy "
		                "-dir=from-device", dir_name(q->dir));
	if (b->read_only && q->dir != MMIO_FROM_DEVICE)
		return rig_fail(EROFS, "the BAR is read-only here: a %s copy would store to it; "
		                "use -dir=from-device%s", dir_name(q->dir),
		                b->ops && strcmp(b->ops->name, "mock") ? "" :
		                ", or drop ',ro' from -bar=");
	if (q->host_misalign >= MMIO_HOST_ALIGN)
		return rig_fail(ERANGE, "host misalignment %u is not below %u",
		                q->host_misalign, MMIO_HOST_ALIGN);
	if (!helper_supports(q->helper, q, &why))
		return rig_fail(ENOTSUP, "helper %s does not take this request: %s",
		                q->helper->name, why ? why : "unsupported");
	return 0;
}

/* A range and its margin, clamped to the window: [*lo, *hi). */
static void
paint_span(const struct bar *b, uint64_t off, uint32_t len, uint64_t *lo, uint64_t *hi)
{
	*lo = off >= b->win_lo + PAINT_MARGIN ? off - PAINT_MARGIN : b->win_lo;
	*hi = off + len + PAINT_MARGIN <= b->win_hi ? off + len + PAINT_MARGIN : b->win_hi;
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

/* Byte `off` as it must be before the request. */
static uint8_t
bar_before(const struct mmio_request *q, uint64_t off)
{
	return bar_after(q, off);
}

/* [lo, hi) of the BAR read into buf or written from it (buf holds hi - lo
 * bytes), in naturally aligned 8-byte accesses, single bytes at unaligned ends. */
static void
io_span(struct bar *b, uint64_t lo, uint64_t hi, uint8_t *buf, bool store)
{
	uint64_t o = lo;
	unsigned w;

	for (; o < hi; o += w) {
		w = o % 8 == 0 && o + 8 <= hi ? 8 : 1;
		if (store)
			bar_io_write(b, o, w, w == 8 ? 0xff : 1, buf + (o - lo));
		else
			bar_io_read(b, o, w, w == 8 ? 0xff : 1, buf + (o - lo));
	}
}

static void
fetch(struct bar *b, uint64_t lo, uint64_t hi, uint8_t *out)
{
	io_span(b, lo, hi, out, false);
}

static void
put(struct bar *b, uint64_t lo, uint64_t hi, const uint8_t *in)
{
	/* a store never writes into buf: the cast only shares the walk */
	io_span(b, lo, hi, (uint8_t *)in, true);
}

/* Write [lo, hi) of the BAR (a paint_span: at most a request and its margins)
 * with what it must hold before the request. */
static void
paint(struct bar *b, const struct mmio_request *q, uint64_t lo, uint64_t hi)
{
	static uint8_t v[MMIO_REQ_MAX_LEN + 2 * PAINT_MARGIN];
	uint64_t o;

	for (o = lo; o < hi; o++)
		v[o - lo] = bar_before(q, o);
	put(b, lo, hi, v);
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

/* R11 on the device side: the destination holds the source, and every painted
 * byte a store hit outside it still holds what it held. */
static void
device_data(struct rig *rig, const struct mmio_request *q, const struct mmio_record *r, size_t n,
            uint64_t dlo, uint64_t dhi, uint64_t slo, uint64_t shi, struct data_result *d)
{
	static uint8_t got[MMIO_REQ_MAX_LEN + 2 * PAINT_MARGIN];
	uint64_t dst = q->dev_off;
	size_t i;
	unsigned k;

	if (q->dir != MMIO_FROM_DEVICE) {
		fetch(&rig->bar, dst, dst + q->len, got);
		for (k = 0; k < q->len; k++)
			if (got[k] != rig->dev_want[k]) {
				data_bad(d, DATA_DEST, (int64_t)(dst + k), got[k], rig->dev_want[k]);
				break;
			}
	}
	for (i = 0; i < n; i++) {
		if (r[i].kind != MMIO_STORE)
			continue;
		for (k = 0; k < r[i].width && k < MMIO_MAX_WIDTH; k++) {
			int64_t o = r[i].offset + k;
			uint8_t b;

			if (!(r[i].lanes >> k & 1) || o < 0)
				continue;
			if (!(((uint64_t)o >= dlo && (uint64_t)o < dhi) ||
			      ((uint64_t)o >= slo && (uint64_t)o < shi)))
				continue; /* never painted: R9 judges it */
			if (q->dir != MMIO_FROM_DEVICE && (uint64_t)o >= dst && (uint64_t)o < dst + q->len)
				continue;
			bar_io_read(&rig->bar, (uint64_t)o, 1, 1, &b);
			if (b != bar_after(q, (uint64_t)o))
				data_bad(d, DATA_DEVICE_OUTSIDE, o, b, bar_after(q, (uint64_t)o));
		}
	}
}

/*
 * After a device routine that may have handled a removal's SIGBUS as SPDK does
 * (mapping a page of 0xFF over the BAR): put the mock's view back. The alias
 * is a shared mapping of the same pages, so mremap with old size 0 makes
 * another mapping of them at the view's address; it comes back closed.
 */
static int
view_restore(struct rig *rig)
{
	struct bar *b = &rig->bar;
	size_t i;
	bool removed = false;

	for (i = 0; i < rig->faults.nev; i++)
		removed |= rig->faults.ev[i].kind == FAULT_REMOVE &&
		           rig->faults.ev[i].mode == FAULT_SIGBUS;
	if (!removed)
		return 0;
	if (mremap(b->alias, 0, b->size, MREMAP_MAYMOVE | MREMAP_FIXED, b->view) == MAP_FAILED ||
	    mprotect(b->view, b->size, PROT_NONE) != 0)
		return rig_fail(errno, "restoring the BAR view after a device routine: %s",
		                strerror(errno));
	return 0;
}

/*
 * On a device, after a routine that may have handled a removal's SIGBUS as
 * SPDK does (mapping anonymous memory over the BAR): the mock's trick of
 * view_restore cannot put the device back (mremap does not duplicate a
 * device's PFN mapping, and its fd is closed), so if the view is no longer
 * one file mapping, later requests would run on plain memory, untraced: the
 * rig is marked unusable and refuses them with the reason.
 */
static void
device_view_check(struct rig *rig)
{
	const struct bar *b = &rig->bar;
	unsigned long lo, hi, v = (unsigned long)(uintptr_t)(b->view + b->map_lo);
	unsigned long long ino;
	char line[512];
	bool ok = false;
	FILE *f;

	if (!b->view || rig->unusable[0] || !(f = fopen("/proc/self/maps", "re")))
		return;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%lx-%lx %*s %*s %*s %llu", &lo, &hi, &ino) == 3 &&
		    lo <= v && v < hi) {
			ok = hi >= v + (b->map_hi - b->map_lo) && ino != 0;
			break;
		}
	fclose(f);
	if (!ok)
		snprintf(rig->unusable, sizeof rig->unusable, "a routine mapped memory over the "
		         "device's view (an SPDK-style SIGBUS handler), which the rig cannot undo: "
		         "later requests would be untraced, so none is run");
}

/* Arm, call the helper, disarm; with rig_catch_signals, a fault signal that
 * ends the helper comes back here (out->signalled) instead of killing it. */
static int
call_helper(struct rig *rig, const struct mmio_request *q, uint8_t *view, uint8_t *hbuf,
            struct check_input *out)
{
	uint64_t dst = q->dev_off, src = q->dir == MMIO_WITHIN ? q->src_off : q->dev_off;
	mmio_copy_fn *copy;
	int err;

	/* the fence's stop comes back here like a routine's budget (fence.c) */
	if (rig->catch_signals || rig->faults.budget || rig_real(rig)) {
		catcher_install(rig->catch_signals);
		/* the mask saved: a budget's or fence's SIGXCPU jumps out of the
		 * logger's SIGSEGV handler too, leaving its blocked signals blocked */
		if (sigsetjmp(catcher.jmp, 1)) {
			logger_abandon();
			if (catcher.si.si_signo == SIGXCPU && rig_real(rig) && rig->fence.stopped) {
				out->stopped = true;
				fence_text(out->stop_why, sizeof out->stop_why, &rig->fence);
				return 0;
			}
			if (catcher.si.si_signo == SIGXCPU) {
				out->over_budget = true;
				return 0;
			}
			/* the helper died of the fault the model or the plan injected */
			out->signalled = true;
			out->signo = catcher.si.si_signo;
			out->si_code = catcher.si.si_code;
			out->sig_off = (int64_t)((uint64_t)catcher.si.si_addr - (uint64_t)rig->bar.view);
			return 0;
		}
		catcher.armed = 1;
	}
	if ((err = logger_arm(&rig->bar, rig_real(rig) ? &rig->fence_m : &rig->layer,
	                      rig->strategy)) != 0) {
		catcher.armed = 0;
		return err;
	}
	/* translate: the helper's translated copy, so the call takes no fault */
	copy = (mmio_copy_fn *)logger_entry((void *)q->helper->copy[q->dir]);
	switch (q->dir) {
	case MMIO_TO_DEVICE:
		copy(view + dst, hbuf, q->len);
		break;
	case MMIO_FROM_DEVICE:
		copy(hbuf, view + src, q->len);
		break;
	default:
		copy(view + dst, view + src, q->len);
		break;
	}
	logger_disarm();
	catcher.armed = 0;
	return 0;
}

int
rig_run(struct rig *rig, const struct mmio_request *q, struct check_input *out)
{
	struct bar *b = &rig->bar;
	uint8_t *view = b->view;
	uint8_t *hbuf = rig->host + RIG_HOST_GUARD + q->host_misalign;
	uint64_t dst = q->dev_off, src = q->dir == MMIO_WITHIN ? q->src_off : q->dev_off;
	uint64_t dlo, dhi, slo = 0, shi = 0;
	size_t hlen = q->len + 2 * RIG_HOST_GUARD + MMIO_HOST_ALIGN, n, i;
	const struct mmio_record *r;
	struct data_result *d = &out->data;
	const struct mmio_routine *rt;
	uint32_t k;
	int err;

	if ((err = rig_validate(rig, q)) != 0)
		return err;
	if (rig->dry_run && rig->device.ops)
		dry_run_read(rig);
	memset(out, 0, sizeof *out);
	for (k = 0; k < q->len; k++)
		rig->dev_want[k] = src_byte(q->pattern, k);
	memset(rig->host, HOST_FILL, hlen);
	if (q->dir == MMIO_TO_DEVICE)
		memcpy(hbuf, rig->dev_want, q->len);
	memcpy(rig->host_want, rig->host, hlen);
	paint_span(b, dst, q->len, &dlo, &dhi);
	if (q->dir == MMIO_WITHIN)
		paint_span(b, src, q->len, &slo, &shi);
	if (b->alias_is_memory) {
		paint(b, q, dlo, dhi);
		if (q->dir == MMIO_WITHIN)
			paint(b, q, slo, shi);
	}
	if (rig_real(rig))
		rig->fence_m.ops->reset(&rig->fence_m); /* the fence's, the layer's, the model's */
	else
		rig->layer.ops->reset(&rig->layer); /* the layer's and the model's state */
	rt = helper_routine(q->helper);
	rig->faults.budget = rt ? (rt->max_accesses ? rt->max_accesses : MMIO_ROUTINE_BUDGET) : 0;
	out->routine = rt != NULL;
	out->budget = rig->faults.budget;
	/* on a device a routine gets the window, the only bytes it may touch */
	if (rt && rig_real(rig))
		routine_bar(view + b->win_lo, b->win_hi - b->win_lo);
	else if (rt)
		routine_bar(view, b->size);

	if (rig->save_window) {
		fetch(b, b->win_lo, b->win_hi, rig->saved);
		rig->saved_held = true;
	}
	err = call_helper(rig, q, view, hbuf, out);
	if (rig->saved_held) {
		put(b, b->win_lo, b->win_hi, rig->saved);
		rig->saved_held = false;
	}
	if (err)
		return err;
	if (rt && b->alias_is_memory && (err = view_restore(rig)) != 0)
		return err;
	if (rt && !b->alias_is_memory)
		device_view_check(rig);
	if (out->signalled || out->over_budget || out->stopped || rt) {
		/* a routine is judged by how it ended and what it did to the device,
		 * not by the copy rules' data check */
		if (rt && !out->signalled && !out->over_budget)
			out->routine_ret = routine_result();
		r = logger_records(&n, &out->lost);
		out->unexecuted = logger_unexecuted();
		goto collect;
	}
	r = logger_records(&n, &out->lost);
	out->unexecuted = logger_unexecuted();

	/* R11: the destination, then whatever else the request could have changed */
	if (q->dir == MMIO_FROM_DEVICE) {
		if (b->alias_is_memory)
			for (k = 0; k < q->len; k++)
				if (hbuf[k] != rig->dev_want[k]) {
					data_bad(d, DATA_DEST, k, hbuf[k], rig->dev_want[k]);
					break;
				}
		memcpy(rig->host_want + RIG_HOST_GUARD + q->host_misalign, hbuf, q->len);
		if (b->alias_is_memory)
			memcpy(rig->host_want + RIG_HOST_GUARD + q->host_misalign, rig->dev_want,
			       q->len);
		for (i = 0; i < hlen; i++)
			if (rig->host[i] != rig->host_want[i]) {
				data_bad(d, DATA_HOST_OUTSIDE,
				         (int64_t)i - RIG_HOST_GUARD - (int64_t)q->host_misalign,
				         rig->host[i], rig->host_want[i]);
				break;
			}
	} else if (q->dir == MMIO_TO_DEVICE) {
		if (b->alias_is_memory)
			device_data(rig, q, r, n, dlo, dhi, slo, shi, d);
		for (i = 0; i < hlen; i++)
			if (rig->host[i] != rig->host_want[i]) {
				data_bad(d, DATA_HOST_SOURCE,
				         (int64_t)i - RIG_HOST_GUARD - (int64_t)q->host_misalign,
				         rig->host[i], rig->host_want[i]);
				break;
			}
	}
	if (b->alias_is_memory && q->dir != MMIO_TO_DEVICE)
		device_data(rig, q, r, n, dlo, dhi, slo, shi, d);
	out->data_measured = b->alias_is_memory;

collect:
	/* what the model saw go wrong, and what the plan injected */
	out->ndamage = 0;
	if (rig->model.ops->damage)
		out->ndamage = rig->model.ops->damage(&rig->model, q, rig->damage, DEV_MAX_DAMAGE,
		                                      &out->damage_lost);
	out->damage = rig->damage;
	out->plan = &rig->faults.plan;
	out->faults = rig->faults.ev;
	out->nfaults = rig->faults.nev;
	out->accesses = rig->faults.accesses;
	out->loads = rig->faults.loads;
	out->stores = rig->faults.stores;
	out->req = q;
	out->recs = r;
	out->nrecs = n;
	out->bar_size = b->size;
	return 0;
}
