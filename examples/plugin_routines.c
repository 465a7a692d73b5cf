/*
 * plugin_routines.c - device routines in a plugin: code that talks to a
 * device through its registers, run by the rig against a register map
 * (examples/doorbell-fifo.regs) with faults injected.
 *
 *   build: cc -shared -fPIC -Irig -o routines.so examples/plugin_routines.c
 *   run:   build/copy_replay -helper_lib=build/plugins/routines.so -helper=ack-naive \
 *              -model=regs:examples/doorbell-fifo.regs -len=0 -fault=remove@2:ones
 *
 * Both routines ring the submission doorbell, wait for the ready bit of the
 * status register and then acknowledge the interrupt by reading the
 * read-to-clear cause register until it reads zero. ack-naive trusts the
 * device; after a surprise removal every read returns all-ones, so its last
 * loop never ends: the rig stops it at its access budget and reports it.
 * ack-checked treats all-ones as "the device is gone" and bounds each poll,
 * as Linux's readl_poll_timeout does: it returns -1 and copes with a removal
 * that reads all-ones or zeros, but dies of one that raises SIGBUS; ack-spdk
 * adds SPDK's SIGBUS handler and copes with that too.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "mmiorig.h"

#define SQ0_TAIL  0x40 /* doorbell */
#define STATUS    0x50 /* bit 0: ready */
#define IRQ_CAUSE 0x60 /* read-to-clear */
#define GONE      0xffffffffu
#define POLLS     64

static inline uint32_t
rd(volatile void *bar, unsigned off)
{
	return *(volatile uint32_t *)((volatile uint8_t *)bar + off);
}

static inline void
wr(volatile void *bar, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)((volatile uint8_t *)bar + off) = v;
}

static int
ack_naive(volatile void *bar, size_t len)
{
	(void)len;
	wr(bar, SQ0_TAIL, 1);
	while (!(rd(bar, STATUS) & 1))
		;
	while (rd(bar, IRQ_CAUSE) != 0)
		;
	return 0;
}

static int
ack_checked(volatile void *bar, size_t len)
{
	uint32_t v;
	int i;

	(void)len;
	wr(bar, SQ0_TAIL, 1);
	for (i = 0; i < POLLS; i++) {
		v = rd(bar, STATUS);
		if (v == GONE)
			return -1; /* the device is gone */
		if (v & 1)
			break;
	}
	if (i == POLLS)
		return -2; /* never became ready */
	for (i = 0; i < POLLS; i++) {
		v = rd(bar, IRQ_CAUSE);
		if (v == GONE)
			return -1;
		if (v == 0)
			return 0;
	}
	return -2;
}

/*
 * ack-spdk: ack-checked under an SPDK-style SIGBUS handler. A surprise-removed
 * BAR raises SIGBUS (BUS_ADRERR) on the next access; SPDK's handler maps an
 * anonymous page of 0xFF over the faulting BAR and returns, so the access is
 * retried, reads all-ones, and the routine's own checks see the removal.
 */
static volatile uint8_t *volatile spdk_bar; /* read in the handler */
static volatile size_t spdk_len;

static void
spdk_sigbus(int sig, siginfo_t *si, void *ctx)
{
	uint8_t *a = si->si_addr;
	void *p;

	(void)ctx;
	if (spdk_bar && a >= (uint8_t *)spdk_bar && a < (uint8_t *)spdk_bar + spdk_len) {
		p = mmap((void *)spdk_bar, spdk_len, PROT_READ | PROT_WRITE,
		         MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			memset(p, 0xff, spdk_len);
			return;
		}
	}
	signal(sig, SIG_DFL); /* not a BAR of ours: die of it */
	raise(sig);
}

static int
ack_spdk(volatile void *bar, size_t len)
{
	struct sigaction sa, old;
	int r;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = spdk_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	spdk_bar = bar;
	spdk_len = len;
	sigaction(SIGBUS, &sa, &old);
	r = ack_checked(bar, len);
	sigaction(SIGBUS, &old, NULL);
	spdk_bar = NULL;
	return r;
}

static const struct mmio_routine routines[] = {
	{ .name = "ack-naive", .desc = "ring, poll ready, read the cause until zero (no all-ones "
	  "check)", .fn = ack_naive, .max_accesses = 1000 },
	{ .name = "ack-checked", .desc = "the same with all-ones checks and bounded polls",
	  .fn = ack_checked, .max_accesses = 1000 },
	{ .name = "ack-spdk", .desc = "ack-checked under an SPDK-style SIGBUS handler that maps "
	  "0xFF over a removed BAR", .fn = ack_spdk, .max_accesses = 1000 },
};

const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI,
	.count = 0,
	.helpers = 0,
	.nroutines = 3,
	.routines = routines,
};
