/*
 * catalog.c - the helpers the rig knows: the built-ins a tool adds (the
 * catalog of helpers/, in its order), then those of plugins loaded with
 * helper_load_plugin(). The library knows no helper of its own.
 *
 * Every helper pointer the catalog hands out (helper_lookup, helper_all) is
 * a built-in's own struct or an entry of a plugin's table. Plugins are loaded once, from one
 * thread, before requests run, and never unloaded: records and findings keep
 * pointing at their helpers' names.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Most plugins one process loads. */
#define PLUGIN_MAX 8

/* Most built-ins the tools may add. */
#define BUILTIN_MAX 64

/* Built-ins then plugin helpers, in the order they were added. */
static const struct mmio_helper *known[BUILTIN_MAX + PLUGIN_MAX * MMIO_PLUGIN_MAX_HELPERS];
static size_t nknown;

static struct plugin {
	void *dl;           /* dlopen handle, never closed */
	char *path;         /* as the user gave it */
	size_t first;       /* index in known[] of its first helper */
} plugins[PLUGIN_MAX];
static unsigned nplugins;

/* Device routines of plugins: each runs as a helper whose to-device copy is a
 * trampoline that calls it on the BAR the runner names (routine_bar). */
#define ROUTINE_MAX 16
static const struct mmio_routine *routines[ROUTINE_MAX];
static struct mmio_helper routine_helpers[ROUTINE_MAX];
static unsigned nroutines;
static volatile void *routine_base;
static size_t routine_len;
static int routine_ret;

#define TRAMPOLINE(k)                                                             \
	static void tramp_##k(void *dst, const void *src, size_t len)             \
	{                                                                         \
		(void)dst, (void)src, (void)len;                                  \
		routine_ret = routines[k]->fn(routine_base, routine_len);         \
	}
TRAMPOLINE(0) TRAMPOLINE(1) TRAMPOLINE(2) TRAMPOLINE(3) TRAMPOLINE(4) TRAMPOLINE(5)
TRAMPOLINE(6) TRAMPOLINE(7) TRAMPOLINE(8) TRAMPOLINE(9) TRAMPOLINE(10) TRAMPOLINE(11)
TRAMPOLINE(12) TRAMPOLINE(13) TRAMPOLINE(14) TRAMPOLINE(15)
static mmio_copy_fn *const trampolines[ROUTINE_MAX] = {
	tramp_0, tramp_1, tramp_2, tramp_3, tramp_4, tramp_5, tramp_6, tramp_7,
	tramp_8, tramp_9, tramp_10, tramp_11, tramp_12, tramp_13, tramp_14, tramp_15,
};

int
helper_add_builtins(const struct mmio_helper *const *list)
{
	size_t i, j;

	if (nplugins)
		return rig_fail(EINVAL, "built-in helpers are added before any plugin is loaded");
	for (i = 0; list[i]; i++) {
		if (nknown == BUILTIN_MAX)
			return rig_fail(ENOSPC, "more than %d built-in helpers", BUILTIN_MAX);
		for (j = 0; j < nknown; j++)
			if (known[j] == list[i])
				break;
		if (j == nknown)
			known[nknown++] = list[i];
	}
	return 0;
}

const struct mmio_helper *
helper_lookup(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < nknown; i++)
		if (!strcmp(known[i]->name, name))
			return known[i];
	return NULL;
}

const struct mmio_helper *const *
helper_all(size_t *n)
{
	*n = nknown;
	return known;
}

/* "{1,2,4,8}" for a lens mask. */
static void
lens_format(uint32_t lens, char *buf, size_t size)
{
	size_t used = 0;

	used += snprintf(buf, size, "{");
	for (unsigned n = 0; n < 32 && used < size; n++)
		if (lens >> n & 1)
			used += snprintf(buf + used, size - used, "%s%u", used > 1 ? "," : "", n);
	if (used < size)
		snprintf(buf + used, size - used, "}");
}

bool
helper_supports(const struct mmio_helper *h, const struct mmio_request *r, const char **why)
{
	static __thread char msg[160];
	uint64_t len = r->len, dev = r->dev_off, src = r->src_off;
	char set[100];

	if ((unsigned)r->dir >= MMIO_NDIR) {
		snprintf(msg, sizeof msg, "direction %u does not exist", (unsigned)r->dir);
	} else if (!h->copy[r->dir]) {
		snprintf(msg, sizeof msg, "direction %s not supported", dir_name(r->dir));
	} else if (h->max_len && len > h->max_len) {
		snprintf(msg, sizeof msg, "length %u over the maximum %zu", r->len, h->max_len);
	} else if (h->lens && (len >= 32 || !(h->lens >> len & 1))) {
		lens_format(h->lens, set, sizeof set);
		snprintf(msg, sizeof msg, "length %u not in %s", r->len, set);
	} else if (h->len_unit > 1 && len % h->len_unit) {
		snprintf(msg, sizeof msg, "length %u not a multiple of %u", r->len, h->len_unit);
	} else if (h->dev_align > 1 && dev % h->dev_align) {
		snprintf(msg, sizeof msg, "%s offset 0x%x not a multiple of %u",
		         r->dir == MMIO_WITHIN ? "destination" : "device", r->dev_off, h->dev_align);
	} else if (r->dir == MMIO_WITHIN && h->dev_align > 1 && src % h->dev_align) {
		snprintf(msg, sizeof msg, "source offset 0x%x not a multiple of %u",
		         r->src_off, h->dev_align);
	} else if (r->dir == MMIO_WITHIN && !(h->flags & MMIO_HELPER_OVERLAP) && len &&
	           src < dev + len && dev < src + len) {
		snprintf(msg, sizeof msg, "source 0x%x and destination 0x%x overlap over length %u",
		         r->src_off, r->dev_off, r->len);
	} else {
		return true;
	}
	if (why)
		*why = msg;
	return false;
}

void
helper_list(FILE *out)
{
	int width = 14;

	for (size_t i = 0; i < nknown; i++)
		if ((int)strlen(known[i]->name) > width)
			width = (int)strlen(known[i]->name);
	for (size_t i = 0; i < nknown; i++) {
		const struct mmio_helper *h = known[i];
		char dirs[64] = "";

		for (int d = 0; d < MMIO_NDIR; d++) {
			if (!h->copy[d])
				continue;
			if (dirs[0])
				strcat(dirs, ",");
			strcat(dirs, dir_name((enum mmio_dir)d));
		}
		if (h->flags & MMIO_HELPER_ROUTINE)
			strcpy(dirs, "device routine (-len=0)");
		fprintf(out, "  %-*s  %-28s  %s\n", width, h->name, dirs, h->pattern);
	}
}

/* Which helper already owns a name, for a duplicate's message. */
static const char *
owner_of(const struct mmio_helper *h)
{
	static char buf[PATH_MAX + 32];
	size_t i;

	for (i = 0; i < nknown && known[i] != h; i++)
		;
	if (!nplugins || i < plugins[0].first)
		return "a built-in helper";
	for (unsigned p = nplugins; p-- > 0;) {
		if (i >= plugins[p].first) {
			snprintf(buf, sizeof buf, "a helper of plugin %s", plugins[p].path);
			break;
		}
	}
	return buf;
}

/* Every field the rig relies on, checked before any helper is registered. */
static int
plugin_check(const char *path, const struct mmio_helper_table *t)
{
	if (t->abi != MMIO_HELPER_ABI)
		return rig_fail(EPROTO, "helper plugin %s: table abi %u, expected %u "
		                "(rebuild it against this mmiorig.h%s)", path, t->abi, MMIO_HELPER_ABI,
		                t->abi < MMIO_HELPER_ABI ? "; ABI 2 added device routines to the "
		                "table, so an older table cannot be read" : "");
	if (t->count > MMIO_PLUGIN_MAX_HELPERS || (t->count == 0 && t->nroutines == 0))
		return rig_fail(EINVAL, "helper plugin %s: table count %u, expected 1..%d",
		                path, t->count, MMIO_PLUGIN_MAX_HELPERS);
	if (t->nroutines > MMIO_PLUGIN_MAX_ROUTINES || (t->nroutines && !t->routines))
		return rig_fail(EINVAL, "helper plugin %s: table nroutines %u, expected 0..%d with "
		                "routines set", path, t->nroutines, MMIO_PLUGIN_MAX_ROUTINES);
	for (uint32_t i = 0; i < t->nroutines; i++)
		if (!t->routines[i].name || !t->routines[i].fn || !t->routines[i].desc)
			return rig_fail(EINVAL, "helper plugin %s: routine %u lacks a name, a desc or "
			                "its function", path, i);
	if (t->count && !t->helpers)
		return rig_fail(EINVAL, "helper plugin %s: table count %u but helpers is NULL",
		                path, t->count);

	for (uint32_t i = 0; i < t->count; i++) {
		const struct mmio_helper *h = &t->helpers[i], *old;
		const char *name = h->name;
		size_t len;

		if (!name || !*name)
			return rig_fail(EINVAL, "helper plugin %s: helper %u has %s name",
			                path, i, name ? "an empty" : "a NULL");
		len = strnlen(name, MMIO_HELPER_NAME_MAX + 1);
		if (len > MMIO_HELPER_NAME_MAX)
			return rig_fail(EINVAL, "helper plugin %s: helper %u name \"%.*s...\" is longer "
			                "than %d characters", path, i, MMIO_HELPER_NAME_MAX, name,
			                MMIO_HELPER_NAME_MAX);
		for (size_t c = 0; c < len; c++) {
			unsigned char ch = (unsigned char)name[c];

			if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')
				continue;
			if (ch > ' ' && ch < 0x7f)
				return rig_fail(EINVAL, "helper plugin %s: helper %u name \"%s\" has "
				                "invalid character '%c' (allowed: a-z 0-9 _ -)",
				                path, i, name, ch);
			return rig_fail(EINVAL, "helper plugin %s: helper %u name has invalid "
			                "character 0x%02x at %zu (allowed: a-z 0-9 _ -)",
			                path, i, ch, c);
		}
		if ((old = helper_lookup(name)))
			return rig_fail(EEXIST, "helper plugin %s: helper %u duplicate name \"%s\", "
			                "already %s", path, i, name, owner_of(old));
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(t->helpers[j].name, name))
				return rig_fail(EEXIST, "helper plugin %s: helper %u duplicate name "
				                "\"%s\", also helper %u of this table", path, i, name, j);
		if (!h->copy[MMIO_TO_DEVICE] && !h->copy[MMIO_FROM_DEVICE] && !h->copy[MMIO_WITHIN])
			return rig_fail(EINVAL, "helper plugin %s: helper \"%s\" has no copy function "
			                "in any direction", path, name);
		if (!h->pattern)
			return rig_fail(EINVAL, "helper plugin %s: helper \"%s\" has a NULL pattern",
			                path, name);
		/* listings, logs and reports are line-oriented ASCII: one printable line */
		for (size_t c = 0; h->pattern[c]; c++)
			if ((unsigned char)h->pattern[c] < ' ' || (unsigned char)h->pattern[c] > '~')
				return rig_fail(EINVAL, "helper plugin %s: helper \"%s\" pattern has "
				                "character 0x%02x at %zu (one line of printable ASCII "
				                "expected)", path, name, (unsigned char)h->pattern[c], c);
	}
	return 0;
}

int
helper_load_plugin(const char *path)
{
	const struct mmio_helper_table *t;
	char local[PATH_MAX];
	const char *open_path = path;
	char *path_copy;
	void *dl;
	int err;

	if (!path || !*path)
		return rig_fail(EINVAL, "helper plugin: empty path");
	if (nplugins == PLUGIN_MAX)
		return rig_fail(ENOSPC, "helper plugin %s: %d plugins are loaded already, the most "
		                "the rig holds", path, PLUGIN_MAX);
	/* dlopen looks a bare name up in the library path; a user naming a file
	 * means the file in the current directory. */
	if (!strchr(path, '/')) {
		if (snprintf(local, sizeof local, "./%s", path) >= (int)sizeof local)
			return rig_fail(ENAMETOOLONG, "helper plugin %s: path too long", path);
		open_path = local;
	}

	dl = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
	if (!dl)
		return rig_fail(access(open_path, F_OK) ? ENOENT : ENOEXEC,
		                "helper plugin %s: cannot load: %s", path, dlerror());
	dlerror();
	t = dlsym(dl, MMIO_HELPER_TABLE_SYMBOL);
	if (!t) {
		err = rig_fail(ENOEXEC, "helper plugin %s: no symbol %s (a plugin exports "
		               "`const struct mmio_helper_table %s`)", path,
		               MMIO_HELPER_TABLE_SYMBOL, MMIO_HELPER_TABLE_SYMBOL);
		dlclose(dl);
		return err;
	}
	err = plugin_check(path, t);
	if (!err && !(path_copy = strdup(path)))
		err = rig_fail(ENOMEM, "helper plugin %s: out of memory", path);
	if (err) {
		dlclose(dl);
		return err;
	}

	for (uint32_t i = 0; i < t->nroutines; i++) {
		const char *name = t->routines[i].name;

		if (helper_lookup(name) || strnlen(name, MMIO_HELPER_NAME_MAX + 1) > MMIO_HELPER_NAME_MAX ||
		    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(name) ||
		    nroutines == ROUTINE_MAX) {
			dlclose(dl);
			free(path_copy);
			return rig_fail(EINVAL, "helper plugin %s: routine \"%s\": %s", path, name,
			                nroutines == ROUTINE_MAX ? "too many routines loaded" :
			                helper_lookup(name) ? "duplicate name" :
			                "invalid name (a-z 0-9 _ -, at most 31 characters)");
		}
	}
	plugins[nplugins++] = (struct plugin){ .dl = dl, .path = path_copy, .first = nknown };
	for (uint32_t i = 0; i < t->count; i++)
		known[nknown++] = &t->helpers[i];
	for (uint32_t i = 0; i < t->nroutines; i++) {
		struct mmio_helper *h = &routine_helpers[nroutines];

		routines[nroutines] = &t->routines[i];
		*h = (struct mmio_helper){ .name = t->routines[i].name, .pattern = t->routines[i].desc,
		                           .copy = { [MMIO_TO_DEVICE] = trampolines[nroutines] },
		                           .lens = 1, .flags = MMIO_HELPER_ROUTINE };
		nroutines++;
		known[nknown++] = h;
	}
	return 0;
}

/* ---- device routines, run as helpers ----------------------------------------------- */

const struct mmio_routine *
helper_routine(const struct mmio_helper *h)
{
	unsigned i;

	for (i = 0; h && (h->flags & MMIO_HELPER_ROUTINE) && i < nroutines; i++)
		if (h == &routine_helpers[i])
			return routines[i];
	return NULL;
}

void
routine_bar(volatile void *bar, size_t len)
{
	routine_base = bar;
	routine_len = len;
}

int
routine_result(void)
{
	return routine_ret;
}
