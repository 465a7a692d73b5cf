/*
 * qemu_fork.c - fork() for the arm64 tools under qemu-user.
 *
 * Under qemu-user 7.2 (Debian 12, -L /usr/aarch64-linux-gnu) glibc 2.36's
 * fork child never returns: it spins in reclaim_stacks() over a stack list
 * that does not lead back to its head (measured: 100% CPU in the child, with
 * a static binary it does not happen; pthread_create spins the same way in
 * get_cached_stack(), so no arm64 tool may start a thread under qemu). The tools and tests fork only from a
 * single thread, where a bare clone(SIGCHLD) is what fork needs, so under
 * qemu-user (scripts/arm64 runs every tool with QEMU_LD_PREFIX set, which
 * qemu passes on to the program) fork is that system call; natively it is
 * glibc's own. Linked into every arm64 program from libarch.a, where it
 * takes precedence over libc's.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arm64.h"

pid_t
fork(void)
{
	static pid_t (*real)(void);

	if (!getenv("QEMU_LD_PREFIX")) {
		if (!real)
			real = (pid_t (*)(void))dlsym(RTLD_NEXT, "fork");
		if (real)
			return real();
	}
	return (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
}
