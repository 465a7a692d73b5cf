/*
 * grid.h - the memcpy grid bench_translate runs on the rig and lackey_grid
 * runs under valgrind's lackey: the same requests, on buffers laid out as
 * the rig lays them out (rig/run.c), so glibc's memcpy takes the same path
 * in both and both see the same accesses per request.
 */
#ifndef MMIORIG_GRID_H
#define MMIORIG_GRID_H

#include "internal.h" /* RIG_HOST_GUARD, MMIO_HOST_ALIGN: layout only, nothing linked */

/* Lengths 0..GRID_MAX_LEN, device offsets GRID_DEV_BASE + 0..GRID_OFFSETS-1,
 * to-device then from-device, host buffers GRID_HOST_ALIGNED. */
#define GRID_MAX_LEN 256u
#define GRID_OFFSETS 8u
#define GRID_DEV_BASE 0x1000u
/* Requests in the grid. */
#define GRID_REQUESTS (2u * (GRID_MAX_LEN + 1) * GRID_OFFSETS)

/* The host range starts RIG_HOST_GUARD bytes into a buffer aligned to
 * MMIO_HOST_ALIGN, at misalignment 0, as rig_run places it. */
#define GRID_HOST_OFFSET RIG_HOST_GUARD

#endif /* MMIORIG_GRID_H */
