// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sockex --by port / --by host: the protocol filter (sockex.bpf.c, the same
 * parse and the same per-protocol counters), plus a breakdown of IP frames by
 * service port and/or by the other end's address.
 *
 * Built three times from this file (see the Makefile): SOCKEX_BY_PORT and
 * SOCKEX_BY_HOST say what the key holds, so each build carries only the reads
 * it needs. Loaded only with --by; `--by protocol` (the default) loads
 * sockex.bpf.c and pays nothing for this.
 *
 * Exact by construction: by_counters is a bounded per-CPU hash (never LRU,
 * whose evictions lose counts), sized by user space at load. A frame whose
 * key finds it full is counted in by_overflow under its direction, family
 * and protocol ("other"), so the breakdown of a protocol always adds up to
 * its total. Entries are never deleted while counting.
 *
 * Attached with SO_ATTACH_BPF to a raw AF_PACKET socket; returns 0 for every
 * frame, so the socket queues nothing and the stack is untouched. Lives as
 * long as the socket.
 */
#include "protocol-count.h"

#if !defined(SOCKEX_BY_PORT) || !defined(SOCKEX_BY_HOST)
#error "build with -DSOCKEX_BY_PORT=0|1 -DSOCKEX_BY_HOST=0|1"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, SOCKEX_BY_DEFAULT_MAX); /* user space sets the size before load */
	__type(key, struct sockex_by_key);
	__type(value, struct sockex_counter);
} by_counters SEC(".maps");

/* Frames whose key found by_counters full, in the slots of ip_counters
 * ((direction, family, protocol); the two non-IP slots stay zero). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sockex_ip_table);
} by_overflow SEC(".maps");

/*
 * The breakdown's own packet reads, all here. Returns 0 when read.
 */

/* The other end: the destination of what the interface sends, the source of what it receives. */
static __always_inline long read_host(struct __sk_buff *skb, const struct sockex_frame *f, __u8 host[16])
{
	__u32 tx = f->direction == SOCKEX_DIR_TX;

	if (f->family == SOCKEX_FAMILY_IPV4)
		return bpf_skb_load_bytes_relative(skb, f->ip_off + (tx ? 16 : 12), host, 4, f->base);
	return bpf_skb_load_bytes_relative(skb, f->ip_off + (tx ? 24 : 8), host, 16, f->base);
}

/* The service port: the lower of the two. A client's ephemeral port comes from
 * a high range (32768-60999 on Linux), a service's is usually below it. */
static __always_inline long read_port(struct __sk_buff *skb, const struct sockex_frame *f, __u16 *port)
{
	if (f->l4_missing)
		return -1;
	if (f->ipv6_frag_off) {
		__be16 frag; /* offset (13 bits) << 3 | flags */
		if (bpf_skb_load_bytes_relative(skb, f->ipv6_frag_off + 2, &frag, sizeof(frag), f->base))
			return -1;
		if (bpf_ntohs(frag) & 0xfff8) /* not the first fragment: no transport header */
			return -1;
	}
	__be16 ports[2]; /* source, destination: the first four bytes of TCP, UDP, UDP-Lite and SCTP */
	if (bpf_skb_load_bytes_relative(skb, f->l4_off, ports, sizeof(ports), f->base))
		return -1;
	__u16 source = bpf_ntohs(ports[0]);
	__u16 destination = bpf_ntohs(ports[1]);
	*port = source < destination ? source : destination;
	return 0;
}

static __always_inline int has_ports(__u32 protocol)
{
	return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE || protocol == IPPROTO_SCTP;
}

static __noinline void count_by(const struct sockex_by_key *key, __u32 len)
{
	struct sockex_counter *c = bpf_map_lookup_elem(&by_counters, key);

	if (c) {
		sockex_add(c, len);
		return;
	}
	struct sockex_counter first = { .bytes = len, .packets = 1 };
	if (bpf_map_update_elem(&by_counters, key, &first, BPF_NOEXIST) == 0)
		return;
	/* Another CPU created the entry between our lookup and update. */
	c = bpf_map_lookup_elem(&by_counters, key);
	if (c) {
		sockex_add(c, len);
		return;
	}
	/* The table is full: count the frame anyway, as "other" of its protocol. */
	__u32 zero = 0;
	struct sockex_ip_table *overflow = bpf_map_lookup_elem(&by_overflow, &zero);
	if (overflow)
		count_slot(overflow, key->direction, key->family, key->protocol, len);
}

SEC("socket")
int sockex_count_by(struct __sk_buff *skb)
{
	struct sockex_frame f;

	sockex_parse(skb, &f);
	count_protocol(&f);
	if (f.family == SOCKEX_FAMILY_OTHER)
		return 0;

	struct sockex_by_key key = {
		.protocol = f.protocol,
		.direction = f.direction,
		.family = f.family,
	};
	int split_by_port = SOCKEX_BY_PORT && has_ports(f.protocol);
	/* By port alone, protocols without ports are only in the protocol counters. */
	if (!SOCKEX_BY_HOST && !split_by_port)
		return 0;
	if (split_by_port && read_port(skb, &f, &key.port) == 0)
		key.flags |= SOCKEX_BY_PORT_KNOWN;
	if (SOCKEX_BY_HOST && read_host(skb, &f, key.host) == 0)
		key.flags |= SOCKEX_BY_HOST_KNOWN;
	count_by(&key, f.len);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
