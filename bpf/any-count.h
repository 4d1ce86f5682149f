/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The every-interface filters' maps and counting (`-i any`): sockex-any.bpf.c
 * counts every frame here; sockex-any-by.bpf.c (`-i any --by`) the frames it
 * does not split, and those whose breakdown key found by_counters full. All
 * inlined: legacy packet loads rule out bpf-to-bpf calls.
 */
#ifndef SOCKEX_ANY_COUNT_H
#define SOCKEX_ANY_COUNT_H

#include "count.h"
#include "parse.h"

/* ifindex -> link-header length (parse.h), written by user space for every
 * interface of the namespace (src/kernel/filters/any-filter.ts) and kept current.
 * Small ifindexes, the common case, index an array whose lookup the verifier
 * inlines; it holds the length + 1, so its zeroed start means "not known". */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SOCKEX_LINKS_DIRECT);
	__type(key, __u32);
	__type(value, __u32);
} link_hlen_direct SEC(".maps");

/* The rest (ifindexes grow on hosts that create many interfaces), as they are. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SOCKEX_LINKS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u32);
} link_hlen SEC(".maps");

/* The link-header length of an interface; SOCKEX_LINK_UNKNOWN (the fallback)
 * for one user space has not written (yet). */
static __always_inline __u32 link_hlen_of(__u32 ifindex)
{
	__u32 *hlen;

	if (ifindex < SOCKEX_LINKS_DIRECT) {
		hlen = bpf_map_lookup_elem(&link_hlen_direct, &ifindex);
		return hlen && *hlen ? *hlen - 1 : SOCKEX_LINK_UNKNOWN;
	}
	hlen = bpf_map_lookup_elem(&link_hlen, &ifindex);
	return hlen ? *hlen : SOCKEX_LINK_UNKNOWN;
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, SOCKEX_ANY_MAX);
	__type(key, struct sockex_any_key);
	__type(value, struct sockex_counter);
} any_counters SEC(".maps");

/* Frames that found any_counters full, one slot per direction: counted,
 * though no longer per interface. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SOCKEX_DIRECTIONS);
	__type(key, __u32);
	__type(value, struct sockex_counter);
} any_overflow SEC(".maps");

/* Inlined like everything else: legacy packet loads rule out bpf-to-bpf calls. */
static __always_inline void count_any(__u32 ifindex, __u32 dir, __u32 family, __u32 protocol, __u32 len)
{
	struct sockex_any_key key = {
		.ifindex = ifindex,
		.protocol = protocol,
		.direction = dir,
		.family = family,
	};

	if (sockex_count_key(&any_counters, &key, len) == 0)
		return;
	/* The table is full: count the frame anyway, without its interface. */
	__u32 slot = dir;
	struct sockex_counter *c = bpf_map_lookup_elem(&any_overflow, &slot);
	if (c)
		sockex_add(c, len);
}

#endif /* SOCKEX_ANY_COUNT_H */
