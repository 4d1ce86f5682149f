/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How every filter adds a frame to a counter (parse.h says what the frame is;
 * this says how it is counted). All inlined: legacy packet loads rule out
 * bpf-to-bpf calls.
 */
#ifndef SOCKEX_COUNT_H
#define SOCKEX_COUNT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sockex.h"

/* Add one frame to a per-CPU counter. The filter runs with migration
 * disabled, so a plain add is exact and touches no cache line another CPU
 * writes. */
static __always_inline void sockex_add(struct sockex_counter *c, __u32 len)
{
	c->bytes += len;
	c->packets += 1;
}

/* Add one frame to key's counter in a per-CPU hash, creating the counter the
 * first time the key is seen. Returns 0 when counted, -1 when the table is
 * full: the caller then counts the frame in an overflow counter of its own,
 * so no frame is ever left uncounted. Hashes are bounded and never LRU (an
 * eviction would lose counts). */
static __always_inline int sockex_count_key(void *map, const void *key, __u32 len)
{
	struct sockex_counter *c = bpf_map_lookup_elem(map, key);

	if (c) {
		sockex_add(c, len);
		return 0;
	}
	struct sockex_counter first = { .bytes = len, .packets = 1 };
	if (bpf_map_update_elem(map, key, &first, BPF_NOEXIST) == 0)
		return 0;
	/* Another CPU created the entry between our lookup and update. */
	c = bpf_map_lookup_elem(map, key);
	if (c) {
		sockex_add(c, len);
		return 0;
	}
	return -1;
}

#endif /* SOCKEX_COUNT_H */
