/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The flow key of a parsed IP frame (parse.h), worked out by the same code
 * where the socket hooks write it (who.bpf.c, on transmit) and where the tap
 * looks it up (the breakdown's who builds, both directions), so the two can
 * never disagree on what a flow is; and the tap's lookup of a frame's owner.
 * All inlined: legacy packet loads rule out bpf-to-bpf calls in the tap.
 */
#ifndef SOCKEX_OWNER_LOOKUP_H
#define SOCKEX_OWNER_LOOKUP_H

#include "parse.h"
#include "owner.h"
#include "owner-maps.h"

#define SOCKEX_ICMP_ECHO_REPLY 0
#define SOCKEX_ICMP_ECHO_REQUEST 8
#define SOCKEX_ICMPV6_ECHO_REQUEST 128
#define SOCKEX_ICMPV6_ECHO_REPLY 129

/* 16 address bytes at off into to (an IPv4 address in the first 4). */
static __always_inline long sockex_read_address(struct __sk_buff *skb, const struct sockex_frame *f, __u32 off, __u8 to[16])
{
	if (f->family == SOCKEX_FAMILY_IPV4) {
		if (!sockex_has(f, f->from, off, 4))
			return -1;
		long address = sockex_load_word(skb, f->from, off);
		if (address < 0)
			return -1;
		__be32 raw = bpf_htonl(address); /* as on the wire */
		__builtin_memcpy(to, &raw, sizeof(raw));
		return 0;
	}
	if (f->from == SOCKEX_FROM_DATA)
		return bpf_skb_load_bytes(skb, off, to, 16);
	return bpf_skb_load_bytes_relative(skb, off, to, 16, sockex_base(f->from));
}

static __always_inline int sockex_is_icmp(const struct sockex_frame *f)
{
	return f->protocol == (f->family == SOCKEX_FAMILY_IPV4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
}

/* ICMP's "ports" (owner.h): the echo identifier and whose echo it is, or the type. */
static __always_inline long sockex_icmp_ports(struct sockex_flow_key *k, __u32 type, __u32 id, __u32 local_is_source, __u32 v4)
{
	__u32 request = v4 ? SOCKEX_ICMP_ECHO_REQUEST : SOCKEX_ICMPV6_ECHO_REQUEST;
	__u32 reply = v4 ? SOCKEX_ICMP_ECHO_REPLY : SOCKEX_ICMPV6_ECHO_REPLY;

	if (type == request || type == reply) {
		k->local_port = id;
		/* Ours: we sent the request (local is its source) or receive the reply. */
		k->remote_port = (type == request) == !!local_is_source ? SOCKEX_ECHO_OURS : SOCKEX_ECHO_THEIRS;
		return 0;
	}
	k->remote_port = SOCKEX_ICMP_OTHER + type;
	return 0;
}

/*
 * The key of a parsed IP frame as its local socket sees it: the local end is
 * the source of what is sent (local_is_source) and the destination of what
 * is received. Returns 0 when read, -1 when a header cannot be read. A later
 * fragment has no transport header: its ports stay zero.
 */
static __always_inline long sockex_flow_key_of(struct __sk_buff *skb, const struct sockex_frame *f, __u64 netns,
						__u32 local_is_source, struct sockex_flow_key *k)
{
	__u32 v4 = f->family == SOCKEX_FAMILY_IPV4;
	__u32 source = f->ip_off + (v4 ? 12 : 8);
	__u32 destination = f->ip_off + (v4 ? 16 : 24);

	k->netns = netns;
	k->family = f->family;
	k->protocol = f->protocol;
	if (sockex_read_address(skb, f, local_is_source ? source : destination, k->local) ||
	    sockex_read_address(skb, f, local_is_source ? destination : source, k->remote))
		return -1;
	if (!f->first_fragment || !sockex_has(f, f->from, f->l4_off, 8))
		return 0;
	/* TCP, UDP, UDP-Lite, SCTP: source and destination port; ICMP: type, code, checksum, identifier. */
	long head = sockex_load_word(skb, f->from, f->l4_off);
	if (head < 0)
		return -1;
	if (sockex_is_icmp(f)) {
		long id = sockex_load_half(skb, f->from, f->l4_off + 4);
		if (id < 0)
			return -1;
		return sockex_icmp_ports(k, (head >> 24) & 0xff, id, local_is_source, v4);
	}
	if (f->protocol != IPPROTO_TCP && f->protocol != IPPROTO_UDP && f->protocol != IPPROTO_UDPLITE &&
	    f->protocol != IPPROTO_SCTP)
		return 0;
	__u16 from_port = head >> 16;
	__u16 to_port = head & 0xffff;
	k->local_port = local_is_source ? from_port : to_port;
	k->remote_port = local_is_source ? to_port : from_port;
	return 0;
}

/* The bound socket of a frame received at key's local address and port:
 * that exact address, else any; for IPv4, else an IPv6 socket bound to any
 * address, which takes IPv4 too unless it is IPV6_V6ONLY (which a socket
 * hook cannot see: such a socket is named for IPv4 frames nobody takes). */
static __always_inline struct sockex_bound *sockex_bound_to(const struct sockex_flow_key *k)
{
	struct sockex_bound_key b = {
		.netns = k->netns,
		.local_port = k->local_port,
		.family = k->family,
		.protocol = k->protocol,
	};
	__builtin_memcpy(b.local, k->local, sizeof(b.local));
	struct sockex_bound *found = bpf_map_lookup_elem(&bound, &b);
	if (found)
		return found;
	__builtin_memset(b.local, 0, sizeof(b.local));
	found = bpf_map_lookup_elem(&bound, &b);
	if (found || k->family != SOCKEX_FAMILY_IPV4)
		return found;
	b.family = SOCKEX_FAMILY_IPV6;
	return bpf_map_lookup_elem(&bound, &b);
}

/* Turn a flow key around: the other end's view of the same flow. */
static __always_inline void sockex_flip(struct sockex_flow_key *k)
{
	__u8 address[16];
	__u16 port = k->local_port;

	__builtin_memcpy(address, k->local, sizeof(address));
	__builtin_memcpy(k->local, k->remote, sizeof(address));
	__builtin_memcpy(k->remote, address, sizeof(address));
	k->local_port = k->remote_port;
	k->remote_port = port;
}

/*
 * A TCP/UDP frame whose socket is in another network namespace: a pod's,
 * seen on the node's end of its veth (its frames received there, replies
 * sent to it), or forwarded. The egress hook files every flow under
 * namespace 0 too (SOCKEX_NETNS_ANY); the sending socket's flow is looked up
 * first, then the receiving one's. Addresses a frame crosses namespaces with
 * are unique to one of them, unlike 127.0.0.1 (which never leaves its own).
 */
static __always_inline struct sockex_flow *sockex_flow_elsewhere(struct sockex_flow_key *k, __u32 tx)
{
	k->netns = SOCKEX_NETNS_ANY;
	if (!tx)
		sockex_flip(k); /* local = the source: the sender's view */
	struct sockex_flow *flow = bpf_map_lookup_elem(&flows, k);
	if (flow)
		return flow;
	sockex_flip(k);
	return bpf_map_lookup_elem(&flows, k);
}

/*
 * Who owns a parsed IP frame the tap sees (netns: the tap's own): the socket
 * that sent it (its flow), or the one it is delivered to (its flow, else the
 * port it is bound to). Copies the owner into o; flags 0 means none: no
 * local socket sent it (forwarded) or takes it.
 */
static __always_inline void sockex_owner_of(struct __sk_buff *skb, const struct sockex_frame *f, __u64 netns, struct sockex_owner *o)
{
	struct sockex_flow_key k = {};
	__u32 tx = f->direction == SOCKEX_DIR_TX;

	/* A later fragment carries no ports: its flow cannot be told, and
	 * guessing from the addresses alone could name the wrong socket. A
	 * part of its own, so the first fragment's owner is still exact. */
	if (!f->first_fragment) {
		o->flags = SOCKEX_OWNER_FRAGMENT;
		return;
	}
	if (sockex_flow_key_of(skb, f, netns, tx, &k))
		return;
	/* Received ICMP other than the reply to our echo request is the
	 * kernel's ICMP code's to handle (it answers requests itself). */
	if (!tx && sockex_is_icmp(f) && k.remote_port != SOCKEX_ECHO_OURS) {
		o->flags = SOCKEX_OWNER_KERNEL;
		return;
	}
	struct sockex_flow *flow = bpf_map_lookup_elem(&flows, &k);
	if (flow) {
		*o = flow->owner;
		return;
	}
	if (sockex_is_icmp(f))
		return;
	if (!tx) {
		struct sockex_bound *b = sockex_bound_to(&k);
		if (b) {
			*o = b->owner;
			return;
		}
	}
	flow = sockex_flow_elsewhere(&k, tx);
	if (flow)
		*o = flow->owner;
}

#endif /* SOCKEX_OWNER_LOOKUP_H */
