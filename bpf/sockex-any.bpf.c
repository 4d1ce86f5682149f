// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sockex for every interface at once (`sockex -i any`): the same
 * classification as sockex.bpf.c (both use parse.h), but each counter is also
 * keyed by the interface the frame was seen on (skb->ifindex), because an
 * AF_PACKET socket bound to ifindex 0 sees the frames of every interface in
 * its network namespace.
 *
 * Attached with SO_ATTACH_BPF to an unbound-interface raw AF_PACKET socket.
 * Returns 0 for every frame, so the socket queues nothing (0 drops the frame
 * for this socket only; the stack is untouched). The filter lives as long as
 * the socket. Needs Linux 5.3+ (bounded loops); from 5.6 user space reads
 * the counters in batches.
 *
 * Cost per frame: one array lookup for the interface's link-header length, the
 * parse of sockex.bpf.c, and one per-CPU hash lookup (an insert the first
 * time a counter is seen); no atomic operation. One interface is cheaper with
 * sockex.bpf.c, which knows its link header at load time and indexes a
 * per-CPU array.
 */
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

SEC("socket")
int sockex_count_any(struct __sk_buff *skb)
{
	struct sockex_frame f;
	__u32 ifindex = skb->ifindex;

	sockex_parse(skb, &f, link_hlen_of(ifindex));
	count_any(ifindex, f.direction, f.family, f.protocol, f.len);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
