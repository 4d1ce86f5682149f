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

/* The who builds (--by process, user, cgroup): -DSOCKEX_BY_OWNER=1, 2 or 3. */
#define SOCKEX_BY_PROCESS 1
#define SOCKEX_BY_USER 2
#define SOCKEX_BY_CGROUP 3
#ifndef SOCKEX_BY_OWNER
#define SOCKEX_BY_OWNER 0
#endif
#if SOCKEX_BY_OWNER
#include "owner-lookup.h"

/* This network namespace's cookie, the flows' key (a socket filter cannot ask
 * for it): user space sets it before load (src/kernel/who/owner-tap.ts). */
const volatile __u64 sockex_netns_cookie SEC(".rodata.who") = 0;

/* The owner of the frame into the key: what the build splits by, or a flag
 * for the kernel's own socket; neither flag means no local socket. */
static __always_inline void read_owner(struct __sk_buff *skb, const struct sockex_frame *f, struct sockex_by_key *key)
{
	struct sockex_owner o = {};

	sockex_owner_of(skb, f, sockex_netns_cookie, &o);
	if (o.flags & SOCKEX_OWNER_KERNEL) {
		key->flags |= SOCKEX_BY_OWNER_KERNEL;
		return;
	}
	if (!(o.flags & SOCKEX_OWNER_SOCKET))
		return;
	key->flags |= SOCKEX_BY_OWNER_SOCKET;
	if (SOCKEX_BY_OWNER == SOCKEX_BY_PROCESS) {
		key->owner.tgid = o.tgid;
		key->owner.uid = o.uid;
		__builtin_memcpy(key->owner.comm, o.comm, sizeof(o.comm));
	} else if (SOCKEX_BY_OWNER == SOCKEX_BY_USER) {
		key->owner.uid = o.uid;
	} else {
		key->owner.cgroup_id = o.cgroup_id;
	}
}
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
 * The breakdown's own packet reads, all here, at the offsets the parse found
 * and with its primitives (parse.h): from skb->data (legacy loads, each
 * guarded by the frame's length, or bpf_skb_load_bytes), which see paged
 * data too, or relative to the network header on unknown link types.
 * Return 0 when read.
 */

/* The other end: the destination of what the interface sends, the source of what it receives. */
static __always_inline long read_host(struct __sk_buff *skb, const struct sockex_frame *f, __u8 host[16])
{
	__u32 tx = f->direction == SOCKEX_DIR_TX;

	if (f->family == SOCKEX_FAMILY_IPV4) {
		__u32 off = f->ip_off + (tx ? 16 : 12);
		if (!sockex_has(f, f->from, off, 4))
			return -1;
		long address = sockex_load_word(skb, f->from, off);
		if (address < 0)
			return -1;
		__be32 raw = bpf_htonl(address); /* the key holds the address as it is on the wire */
		__builtin_memcpy(host, &raw, sizeof(raw));
		return 0;
	}
	__u32 off = f->ip_off + (tx ? 24 : 8);
	/* 16 bytes: one helper call rather than four legacy loads; it fails softly past the end. */
	if (f->from == SOCKEX_FROM_DATA)
		return bpf_skb_load_bytes(skb, off, host, 16);
	return bpf_skb_load_bytes_relative(skb, off, host, 16, sockex_base(f->from));
}

/* The service port: the lower of the two. A client's ephemeral port comes from
 * a high range (32768-60999 on Linux), a service's is usually below it. */
static __always_inline long read_port(struct __sk_buff *skb, const struct sockex_frame *f, __u16 *port)
{
	/* A later fragment has no transport header. Its own reads rather than
	 * first_fragment: for IPv6 that takes a branch per extension header,
	 * and the verifier, following each way through the parse with the
	 * value live, would pass its limit (a loader without CAP_PERFMON). */
	__u32 v4 = f->family == SOCKEX_FAMILY_IPV4;
	if (v4 || f->ipv6_frag_at) {
		__u32 at = v4 ? f->ip_off + 6 : f->ipv6_frag_at + 2; /* flags and fragment offset */
		if (!sockex_has(f, f->from, at, 2))
			return -1;
		long offset = sockex_load_half(skb, f->from, at);
		if (offset < 0 || (offset & (v4 ? 0x1fff : 0xfff8)))
			return -1;
	}
	if (!sockex_has(f, f->from, f->l4_off, 4))
		return -1;
	/* Source and destination: the first four bytes of TCP, UDP, UDP-Lite and SCTP. */
	long ports = sockex_load_word(skb, f->from, f->l4_off);
	if (ports < 0)
		return -1;
	__u16 source = ports >> 16;
	__u16 destination = ports & 0xffff;
	*port = source < destination ? source : destination;
	return 0;
}

static __always_inline int has_ports(__u32 protocol)
{
	return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE || protocol == IPPROTO_SCTP;
}

/*
 * count_slot for by_overflow, in two steps. A loader with CAP_BPF but not
 * CAP_PERFMON gets the verifier's Spectre masking of pointer arithmetic, which
 * needs every path through one "pointer += register" to move the pointer by
 * a value with the same maximum. count_slot's one register holds that on each
 * of count_protocol's call sites (one per family, a constant), but here one
 * update serves both families, and the verifier knows the family on some
 * paths (IPv4's 0 is a zero byte of the key) and not on others. So direction
 * and family move the pointer by constants, and only the protocol, 0..255 on
 * every path, is added from a register.
 */
static __always_inline void count_overflow_slot(struct sockex_ip_table *table, __u32 dir, __u32 family, __u32 protocol, __u32 len)
{
	struct sockex_counter *row = table->slot;
	/* Immediate adds in asm: left to itself, clang turns these branches into
	 * a register holding a per-path constant, which the masking refuses just
	 * the same. */
	if (dir == SOCKEX_DIR_RX)
		asm volatile("%0 += %1" : "+r"(row) : "i"(SOCKEX_IP_FAMILIES * SOCKEX_IP_PROTOCOLS * sizeof(*row)));
	if (family == SOCKEX_FAMILY_IPV6)
		asm volatile("%0 += %1" : "+r"(row) : "i"(SOCKEX_IP_PROTOCOLS * sizeof(*row)));
	sockex_add(&row[protocol & 0xff], len);
}

/* Inlined like everything else: legacy packet loads rule out bpf-to-bpf calls. */
static __always_inline void count_by(const struct sockex_by_key *key, __u32 len)
{
	if (sockex_count_key(&by_counters, key, len) == 0)
		return;
	/* The table is full: count the frame anyway, as "other" of its protocol. */
	__u32 zero = 0;
	struct sockex_ip_table *overflow = bpf_map_lookup_elem(&by_overflow, &zero);
	if (overflow)
		count_overflow_slot(overflow, key->direction, key->family, key->protocol, len);
}

SEC("socket")
int sockex_count_by(struct __sk_buff *skb)
{
	struct sockex_frame f;

	sockex_parse(skb, &f, sockex_link_hlen);
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
	if (!SOCKEX_BY_HOST && !SOCKEX_BY_OWNER && !split_by_port)
		return 0;
	if (split_by_port && read_port(skb, &f, &key.port) == 0)
		key.flags |= SOCKEX_BY_PORT_KNOWN;
	if (SOCKEX_BY_HOST && read_host(skb, &f, key.host) == 0)
		key.flags |= SOCKEX_BY_HOST_KNOWN;
#if SOCKEX_BY_OWNER
	read_owner(skb, &f, &key);
#endif
	count_by(&key, f.len);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
