/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How sockex classifies a frame, shared by both filters (sockex.bpf.c for one
 * interface, sockex-any.bpf.c for every interface) so they can never disagree
 * on what a frame is. Always inlined: each program keeps a single function
 * and the verifier sees the same code it would see written out in place.
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

#define ETH_P_8021AD_ 0x88A8

/* What a frame counts as. */
struct sockex_frame {
	__u32 len;       /* skb->len: the whole frame, link header included */
	__u32 direction; /* SOCKEX_DIR_TX or SOCKEX_DIR_RX */
	__u32 family;    /* SOCKEX_FAMILY_IPV4, _IPV6 or _OTHER */
	__u32 protocol;  /* IP protocol number (0..255), or the EtherType for _OTHER */
	/* Where an IP frame's headers are, for the breakdown filter
	 * (sockex-by.bpf.c); the protocol filter never reads them, so the
	 * compiler drops them there. Offsets are relative to base. */
	__u32 base;         /* BPF_HDR_START_NET, or _MAC past VLAN tags left in the frame */
	__u32 ip_off;       /* the IP header */
	__u32 l4_off;       /* the transport header */
	__u32 l4_missing;   /* 1: an IPv4 fragment after the first, which has no transport header */
	__u32 ipv6_frag_off; /* the last IPv6 fragment header, or 0 for none */
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

static __always_inline void sockex_parse(struct __sk_buff *skb, struct sockex_frame *f)
{
	f->len = skb->len;
	f->direction = skb->pkt_type == PACKET_OUTGOING ? SOCKEX_DIR_TX : SOCKEX_DIR_RX;
	/* The kernel already parsed the link header: skb->protocol is the
	 * EtherType after any VLAN tag the device offloaded. Untagged frames are
	 * read relative to the network header, so Ethernet, loopback and
	 * headerless devices (tun, wireguard) all work alike. */
	__u32 ethertype = bpf_ntohs(skb->protocol);
	/* Where the IP header starts, relative to base. */
	__u32 base = BPF_HDR_START_NET;
	__u32 off = 0;

	/* Not IP, or an IP header that cannot be read: counted by EtherType
	 * (0x0800 or 0x86DD for the malformed ones). Overwritten below for IP. */
	f->family = SOCKEX_FAMILY_OTHER;

	/* A VLAN tag still inside the frame (a QinQ inner tag, a device that
	 * does not offload tags) only exists on Ethernet-like links, and the
	 * network header may point before or after it depending on the path
	 * (after it on transmit, at it on receive), so walk the tags from the
	 * link header: TPID at 12, then TCI, then the inner EtherType. */
	if (ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD_) {
		base = BPF_HDR_START_MAC;
		off = ETH_HLEN;
#pragma unroll
		for (int i = 0; i < SOCKEX_MAX_VLAN_TAGS; i++) {
			if (ethertype != ETH_P_8021Q && ethertype != ETH_P_8021AD_)
				break;
			__be16 inner;
			if (bpf_skb_load_bytes_relative(skb, off + 2, &inner, sizeof(inner), BPF_HDR_START_MAC))
				goto other;
			ethertype = bpf_ntohs(inner);
			off += 4;
		}
	}

	if (ethertype == ETH_P_IP) {
		__u8 hdr[10]; /* version/IHL .. protocol */
		if (bpf_skb_load_bytes_relative(skb, off, hdr, sizeof(hdr), base))
			goto other;
		/* Not IPv4, or a header shorter than its fixed part: malformed. */
		if ((hdr[0] >> 4) != 4 || (hdr[0] & 0x0f) < 5)
			goto other;
		f->family = SOCKEX_FAMILY_IPV4;
		f->protocol = hdr[9];
		f->base = base;
		f->ip_off = off;
		f->l4_off = off + (hdr[0] & 0x0f) * 4;
		f->l4_missing = ((hdr[6] & 0x1f) | hdr[7]) != 0; /* fragment offset */
		f->ipv6_frag_off = 0;
		return;
	}

	if (ethertype == ETH_P_IPV6) {
		__u8 hdr[8]; /* version .. next header */
		if (bpf_skb_load_bytes_relative(skb, off, hdr, sizeof(hdr), base))
			goto other;
		if ((hdr[0] >> 4) != 6)
			goto other;
		__u8 nexthdr = hdr[6];
		f->base = base;
		f->ip_off = off;
		f->ipv6_frag_off = 0;
		off += 40;
		/* Follow the extension chain to the upper-layer protocol. A chain
		 * longer than the bound, or cut short by the end of the frame, is
		 * counted under the extension header the filter stopped at. */
		for (int i = 0; i < SOCKEX_IPV6_MAX_EXT; i++) {
			if (!sockex_ipv6_bit(SOCKEX_IPV6_EXT_MASK, nexthdr))
				break;
			__u8 ext[2]; /* next header, header length in 8-byte units */
			if (bpf_skb_load_bytes_relative(skb, off, ext, sizeof(ext), base))
				break;
			/* A fragment header is 8 bytes; the others say their length. */
			__u32 frag = sockex_ipv6_bit(SOCKEX_IPV6_FRAG_MASK, nexthdr);
			/* Without a branch, so the loop stays as the protocol filter had it. */
			f->ipv6_frag_off = frag * off + (frag ^ 1) * f->ipv6_frag_off;
			off += frag * 8 + (frag ^ 1) * (((__u32)ext[1] + 1) * 8);
			nexthdr = ext[0];
		}
		f->family = SOCKEX_FAMILY_IPV6;
		f->protocol = nexthdr;
		f->l4_off = off;
		f->l4_missing = 0; /* a fragment's offset is in its header: see ipv6_frag_off */
		return;
	}

other:
	f->protocol = ethertype;
}

/* Add one frame to a per-CPU counter. The filter runs with migration
 * disabled, so a plain add is exact and touches no cache line another CPU
 * writes. */
static __always_inline void sockex_add(struct sockex_counter *c, __u32 len)
{
	c->bytes += len;
	c->packets += 1;
}

#endif /* SOCKEX_PARSE_H */
