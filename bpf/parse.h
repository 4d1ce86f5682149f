/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How sockex classifies a frame, shared by every filter (sockex.bpf.c for one
 * interface, sockex-any.bpf.c for every interface, sockex-by.bpf.c for --by)
 * so they can never disagree on what a frame is. Always inlined: each program keeps a single function,
 * which the legacy packet loads below require (the verifier refuses
 * LD_ABS/LD_IND in a program with bpf-to-bpf calls).
 *
 * Packet bytes are read relative to skb->data, which for a packet socket is
 * the link header on devices that have one and the network header on those
 * that have none, so the caller says how long the link header is:
 *   - ETH_HLEN (Ethernet, loopback, tap, veth) or 0 (tun, WireGuard, PPP,
 *     IP tunnels): legacy loads at fixed offsets (LD_ABS; LD_IND where the
 *     offset depends on the frame). The kernel turns each into a call of a
 *     small function that reads linear data directly and copies from paged
 *     data, so frames whose headers sit in paged fragments (PACKET_TX_RING,
 *     packet-socket frames above a page) are read like any other. A legacy load past the end of the frame ends
 *     the program and the frame would go uncounted, so every load is guarded
 *     by skb->len first.
 *   - anything else (SOCKEX_LINK_UNKNOWN): reads relative to the network
 *     header with bpf_skb_load_bytes_relative, which needs no link-header
 *     length but sees only the linear part of the skb.
 * The length is a constant per call site (the callers branch on it), so each
 * path is compiled with immediate offsets, and the one-interface filter,
 * whose length is read-only data the verifier knows, keeps only one path.
 */
#ifndef SOCKEX_PARSE_H
#define SOCKEX_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sockex.h"

/* Legacy packet loads (BPF_LD_ABS with a constant offset, BPF_LD_IND with a
 * register): big-endian bytes turned into a host-order value, from linear or
 * paged data. */
unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

/* Where ip_off and l4_off of a frame count from. */
#define SOCKEX_FROM_DATA 0 /* skb->data: legacy loads or bpf_skb_load_bytes (paged data too) */
#define SOCKEX_FROM_MAC 1  /* the link header: bpf_skb_load_bytes_relative(BPF_HDR_START_MAC), linear only */
#define SOCKEX_FROM_NET 2  /* the network header: bpf_skb_load_bytes_relative(BPF_HDR_START_NET), linear only */

/*
 * What a frame counts as, and where its headers are. The protocol filters
 * read only the first four fields; the rest is for the per-port and per-host
 * breakdown (sockex-by.bpf.c), so it does not have to parse again. The whole
 * parse is inlined, and the compiler drops the arithmetic of fields nobody
 * reads (not a legacy load, which may end the program).
 */
struct sockex_frame {
	__u32 len;       /* skb->len: the whole frame, link header included */
	__u32 direction; /* SOCKEX_DIR_TX or SOCKEX_DIR_RX */
	__u32 family;    /* SOCKEX_FAMILY_IPV4, _IPV6 or _OTHER */
	__u32 protocol;  /* IP protocol number (0..255), or the EtherType for _OTHER */
	/* Set for IPv4 and IPv6 only. */
	__u32 from;      /* SOCKEX_FROM_*: what ip_off and l4_off count from */
	__u32 ip_off;    /* the IP header */
	__u32 l4_off;    /* the header of `protocol` (the transport header once the IPv6 chain is
			  * followed); for an IPv6 later fragment, which has none, its fragment header */
	__u32 first_fragment; /* 1: not a later fragment, so the transport header (ports) is in this frame */
	__u32 ipv6_frag_at;   /* IPv6: the last fragment header, 0 for none (worked out without a branch) */
};

/* Extension headers the filter steps over: hop-by-hop (0), routing (43),
 * fragment (44), destination options (60), as bits of a 64-bit mask. */
#define SOCKEX_IPV6_EXT_MASK ((1ULL << IPPROTO_HOPOPTS) | (1ULL << IPPROTO_ROUTING) | \
			      (1ULL << IPPROTO_FRAGMENT) | (1ULL << IPPROTO_DSTOPTS))
#define SOCKEX_IPV6_FRAG_MASK (1ULL << IPPROTO_FRAGMENT)

/* 1 if nexthdr's bit is set in mask (every bit is below 64), else 0.
 * Worked out arithmetically on purpose: a comparison would teach the verifier
 * a narrower range for nexthdr on each branch, and the counter update must
 * see the protocol as the same full 0..255 range on every path (see
 * count_slot in sockex.bpf.c). */
static __always_inline __u32 sockex_ipv6_bit(__u64 mask, __u32 nexthdr)
{
	__u32 below64 = ((nexthdr >> 6) + 3) >> 2 ^ 1; /* nexthdr < 256, so nexthdr >> 6 is 0..3 */
	return (__u32)((mask >> (nexthdr & 63)) & 1) & below64;
}

/* The start header of bpf_skb_load_bytes_relative for the fallback's `from`. */
static __always_inline __u32 sockex_base(__u32 from)
{
	return from == SOCKEX_FROM_MAC ? BPF_HDR_START_MAC : BPF_HDR_START_NET;
}

/* Whether n bytes at off are there to read. Legacy loads must never run past
 * the end of the frame (that ends the program: the frame would go uncounted);
 * the fallback's helper fails softly instead, and its offsets do not count
 * from skb->data, so it is checked at the read. */
static __always_inline int sockex_has(const struct sockex_frame *f, __u32 from, __u32 off, __u32 n)
{
	return from != SOCKEX_FROM_DATA || f->len >= off + n;
}

/* Whether all n bytes at off are in the frame, where the fallback's helper
 * cannot be asked for so many at once (n is up to 2 KiB): it reads the last
 * one. */
static __always_inline int sockex_whole(struct __sk_buff *skb, const struct sockex_frame *f, __u32 from, __u32 off, __u32 n)
{
	if (from == SOCKEX_FROM_DATA)
		return f->len >= off + n;
	__u8 last;
	return bpf_skb_load_bytes_relative(skb, off + n - 1, &last, 1, sockex_base(from)) == 0;
}

/* The big-endian half word at off, counted as `from` says (a constant at
 * every call); -1 when the fallback cannot read it. */
static __always_inline long sockex_load_half(struct __sk_buff *skb, __u32 from, __u32 off)
{
	if (from == SOCKEX_FROM_DATA)
		return load_half(skb, off);
	__u8 b[2];
	if (bpf_skb_load_bytes_relative(skb, off, b, sizeof(b), sockex_base(from)))
		return -1;
	return (b[0] << 8) | b[1];
}

/* The big-endian word at off, as sockex_load_half; -1 when the fallback cannot read it. */
static __always_inline long sockex_load_word(struct __sk_buff *skb, __u32 from, __u32 off)
{
	if (from == SOCKEX_FROM_DATA)
		return load_word(skb, off);
	__be32 w;
	if (bpf_skb_load_bytes_relative(skb, off, &w, sizeof(w), sockex_base(from)))
		return -1;
	return bpf_ntohl(w);
}

/* IPv4 at off. Returns 0 when the header is malformed: shorter than up to
 * its protocol field (10 bytes), not version 4, or an IHL below 5. */
static __always_inline int sockex_ipv4_at(struct __sk_buff *skb, struct sockex_frame *f, __u32 from, __u32 off)
{
	__u32 vihl, protocol, frag;

	if (from == SOCKEX_FROM_DATA) {
		/* Two legacy loads; the third only if someone reads first_fragment. */
		if (f->len < off + 10)
			return 0;
		vihl = load_byte(skb, off);
		if ((vihl >> 4) != 4 || (vihl & 0x0f) < 5)
			return 0;
		protocol = load_byte(skb, off + 9);
		frag = load_half(skb, off + 6);
	} else {
		__u8 h[10]; /* version/IHL .. protocol, in one helper call */
		if (bpf_skb_load_bytes_relative(skb, off, h, sizeof(h), sockex_base(from)))
			return 0;
		vihl = h[0];
		if ((vihl >> 4) != 4 || (vihl & 0x0f) < 5)
			return 0;
		protocol = h[9];
		frag = (h[6] << 8) | h[7];
	}
	f->family = SOCKEX_FAMILY_IPV4;
	f->protocol = protocol;
	f->from = from;
	f->ip_off = off;
	f->l4_off = off + (vihl & 0x0f) * 4;
	f->first_fragment = (frag & 0x1fff) == 0;
	return 1;
}

/* IPv6 at off, its extension chain followed. Returns 0 when the header is
 * malformed: shorter than up to its next-header field, or not version 6. */
static __always_inline int sockex_ipv6_at(struct __sk_buff *skb, struct sockex_frame *f, __u32 from, __u32 off)
{
	__u32 version, nexthdr;

	if (from == SOCKEX_FROM_DATA) {
		if (f->len < off + 8)
			return 0;
		version = load_byte(skb, off) >> 4;
		nexthdr = load_byte(skb, off + 6);
	} else {
		__u8 h[8]; /* version .. next header, hop limit */
		if (bpf_skb_load_bytes_relative(skb, off, h, sizeof(h), sockex_base(from)))
			return 0;
		version = h[0] >> 4;
		nexthdr = h[6];
	}
	if (version != 6)
		return 0;
	__u32 first = 1;
	__u32 frag_at = 0;
	__u32 frag_next = 0;
	f->ip_off = off;
	off += 40;
	/* Follow the extension chain to the upper-layer protocol. A chain
	 * longer than the bound, or a header cut short by the end of the frame
	 * (any of its bytes missing), is counted under the extension header the
	 * filter stopped at. A later fragment stops the walk at its fragment
	 * header, as the kernel's ipv6_skip_exthdr does (what follows is the
	 * middle of a payload, not headers), and is counted under the fragment
	 * header's next header, below. */
#pragma nounroll
	for (int i = 0; i < SOCKEX_IPV6_MAX_EXT; i++) {
		if (!sockex_ipv6_bit(SOCKEX_IPV6_EXT_MASK, nexthdr) || !sockex_has(f, from, off, 2))
			break;
		long ext = sockex_load_half(skb, from, off); /* next header, length in 8-byte units */
		if (ext < 0)
			break;
		/* A fragment header is 8 bytes; the others say their length. */
		__u32 frag = sockex_ipv6_bit(SOCKEX_IPV6_FRAG_MASK, nexthdr);
		__u32 hdrlen = frag * 8 + (frag ^ 1) * (((ext & 0xff) + 1) * 8);
		if (!sockex_whole(skb, f, from, off, hdrlen))
			break;
		/* 1 for a non-zero fragment offset (or an unreadable one): the
		 * offset is 0..0xfff8, so adding 0xfff8 carries into bit 16
		 * unless it is 0. Every extension header is 8 bytes or more, so
		 * the read is within the header just checked. */
		__u32 later = frag & ((sockex_load_half(skb, from, off + 2) & 0xfff8) + 0xfff8) >> 16;
		__u32 step = later ^ 1;
		first &= step;
		/* Where it was, for a reader of first_fragment that cannot
		 * afford the branches above (sockex-by.bpf.c). */
		frag_at = frag * off + (frag ^ 1) * frag_at;
		frag_next = (ext >> 8) & 0xff;
		/* A later fragment is not stepped over: the walk stays on it
		 * until the bound. Without a branch or a flag that ends the
		 * loop: either makes the verifier follow every way through the
		 * chain apart, past its limit for a loader without CAP_PERFMON. */
		off += step * hdrlen;
		nexthdr = step * frag_next + later * nexthdr;
	}
	/* A later fragment (first is 0 only then) under its next header. */
	nexthdr = first * nexthdr + (first ^ 1) * frag_next;
	f->family = SOCKEX_FAMILY_IPV6;
	f->protocol = nexthdr;
	f->from = from;
	f->l4_off = off;
	f->first_fragment = first;
	f->ipv6_frag_at = frag_at;
	return 1;
}

/* IPv4 or IPv6 at off, as the EtherType says: 1 when parsed, 0 when its
 * header is malformed, -1 when the EtherType is neither. */
static __always_inline int sockex_ip_at(struct __sk_buff *skb, struct sockex_frame *f, __u32 from, __u32 off, __u32 ethertype)
{
	if (ethertype == ETH_P_IP)
		return sockex_ipv4_at(skb, f, from, off);
	if (ethertype == ETH_P_IPV6)
		return sockex_ipv6_at(skb, f, from, off);
	return -1;
}

/* The frame whose network header is at net_off, counted as `from` says. */
static __always_inline void sockex_parse_from(struct __sk_buff *skb, struct sockex_frame *f, __u32 from, __u32 net_off, __u32 ethertype)
{
	/* The common case first: from skb->data, at immediate offsets. */
	int ip = sockex_ip_at(skb, f, from, net_off, ethertype);
	if (ip > 0)
		return;
	/* A VLAN tag still inside the frame (a QinQ inner tag, a device that
	 * does not offload tags) only exists behind an Ethernet header, and the
	 * network header may point before or after it depending on the path
	 * (after it on transmit, at it on receive), so walk the tags from the
	 * link header: TPID at 12, then TCI, then the inner EtherType. */
	if (ip == 0 || (ethertype != ETH_P_8021Q && ethertype != ETH_P_8021AD))
		goto other;
	if (from == SOCKEX_FROM_DATA && net_off != ETH_HLEN)
		goto other; /* a link without an Ethernet header has no tags to walk */
	if (from == SOCKEX_FROM_NET)
		from = SOCKEX_FROM_MAC;
	__u32 off = ETH_HLEN;
#pragma unroll
	for (int i = 0; i < SOCKEX_MAX_VLAN_TAGS; i++) {
		if (ethertype != ETH_P_8021Q && ethertype != ETH_P_8021AD)
			break;
		if (!sockex_has(f, from, off, 4))
			goto other;
		long inner = sockex_load_half(skb, from, off + 2);
		if (inner < 0)
			goto other;
		ethertype = inner;
		off += 4;
	}
	if (sockex_ip_at(skb, f, from, off, ethertype) > 0)
		return;
other:
	f->family = SOCKEX_FAMILY_OTHER;
	f->protocol = ethertype;
}

/* Classify one frame whose link header is link_hlen bytes long: ETH_HLEN or
 * 0, read from skb->data, or SOCKEX_LINK_UNKNOWN, read from the network
 * header (the fallback, linear data only). */
static __always_inline void sockex_parse(struct __sk_buff *skb, struct sockex_frame *f, __u32 link_hlen)
{
	f->len = skb->len;
	/* The kernel already parsed the link header: skb->protocol is the
	 * EtherType after any VLAN tag the device offloaded. */
	__u32 ethertype = bpf_ntohs(skb->protocol);

	/* One call per length, so each is compiled with constant offsets. */
	if (link_hlen == ETH_HLEN)
		sockex_parse_from(skb, f, SOCKEX_FROM_DATA, ETH_HLEN, ethertype);
	else if (link_hlen == 0)
		sockex_parse_from(skb, f, SOCKEX_FROM_DATA, 0, ethertype);
	else
		sockex_parse_from(skb, f, SOCKEX_FROM_NET, 0, ethertype);
	/* Read after the packet loads, which need the context in r6: one
	 * value fewer to keep across them. Worked out without a branch (a
	 * branch that flips between tx and rx is mispredicted often): pkt_type
	 * is 0..7, so (pkt_type ^ PACKET_OUTGOING) + 7 is below 8 only for
	 * outgoing frames. */
	f->direction = ((skb->pkt_type ^ PACKET_OUTGOING) + 7) >> 3;
}

#endif /* SOCKEX_PARSE_H */
