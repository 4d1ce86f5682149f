/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The breakdown (--by port and/or --by host), shared by the filter for named
 * interfaces (sockex-by.bpf.c) and the one for every interface
 * (sockex-any-by.bpf.c): which frames are split, their key and by_counters.
 * SOCKEX_BY_PORT, SOCKEX_BY_HOST and SOCKEX_BY_OWNER (set by the Makefile)
 * say what the key holds, so each build carries only the reads it needs.
 *
 * A frame of a protocol the build splits is counted here only; the includer
 * counts it in its protocol table (as that protocol's "other") when its key
 * finds by_counters full, and every other frame there as before. So each
 * frame is counted in exactly one place, and user space derives a split
 * protocol's total from its parts, read once: they add up by construction.
 * by_counters is a bounded per-CPU hash (never LRU, whose evictions lose
 * counts), sized by user space at load; entries are deleted only by user
 * space, for an interface that went (-i any).
 */
#ifndef SOCKEX_BREAKDOWN_COUNT_H
#define SOCKEX_BREAKDOWN_COUNT_H

#include "count.h"
#include "parse.h"

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
 * for the kernel's own socket or a later fragment; no flag means no local
 * socket. */
static __always_inline void read_owner(struct __sk_buff *skb, const struct sockex_frame *f, struct sockex_by_key *key)
{
	struct sockex_owner o = {};

	sockex_owner_of(skb, f, sockex_netns_cookie, &o);
	if (o.flags & SOCKEX_OWNER_KERNEL) {
		key->flags |= SOCKEX_BY_OWNER_KERNEL;
		return;
	}
	if (o.flags & SOCKEX_OWNER_FRAGMENT) {
		key->flags |= SOCKEX_BY_OWNER_FRAGMENT;
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

/* Whether the build splits the frame: every IP protocol by host or owner, those with ports by port; never non-IP. */
static __always_inline int by_splits(const struct sockex_frame *f)
{
	return f->family != SOCKEX_FAMILY_OTHER && (SOCKEX_BY_HOST || SOCKEX_BY_OWNER != 0 || has_ports(f->protocol));
}

/*
 * Count a frame by_splits says yes to in by_counters, under ifindex (0 on a
 * named interface). Returns 0 when counted, -1 when the table is full: the
 * caller then counts it as "other" of its protocol. Inlined like everything
 * else: legacy packet loads rule out bpf-to-bpf calls.
 */
static __always_inline int count_by(struct __sk_buff *skb, const struct sockex_frame *f, __u32 ifindex)
{
	struct sockex_by_key key = {
		.ifindex = ifindex,
		.protocol = f->protocol,
		.direction = f->direction,
		.family = f->family,
	};

	if (SOCKEX_BY_PORT && has_ports(f->protocol) && read_port(skb, f, &key.port) == 0)
		key.flags |= SOCKEX_BY_PORT_KNOWN;
	if (SOCKEX_BY_HOST && read_host(skb, f, key.host) == 0)
		key.flags |= SOCKEX_BY_HOST_KNOWN;
#if SOCKEX_BY_OWNER
	read_owner(skb, f, &key);
#endif
	return sockex_count_key(&by_counters, &key, f->len);
}

#endif /* SOCKEX_BREAKDOWN_COUNT_H */
