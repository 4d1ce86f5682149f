// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sockex: count every frame an AF_PACKET socket sees, by direction and
 * network protocol, without copying a single packet to user space.
 *
 * Attached with SO_ATTACH_BPF to a raw AF_PACKET socket. A socket filter's
 * return value is how many bytes of the frame to queue on the socket: 0 drops
 * it (for this socket only; the frame goes on through the stack untouched),
 * >= len keeps it whole, anything between trims it. This filter always
 * returns 0, so the socket's queue stays empty and the only output is the
 * counters. The filter lives as long as the socket does. Needs Linux 5.6+
 * (batched map reads); bounded loops need 5.3+.
 *
 * Cost per frame: two context reads (protocol, pkt_type), at most one packet
 * load for IPv4, one per header for IPv6, and one inlined per-CPU array
 * update: no atomic operation and no shared cache line.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sockex.h"

#define ETH_P_8021AD_ 0x88A8

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SOCKEX_ARRAY_SLOTS);
	__type(key, __u32);
	__type(value, struct sockex_counter);
} ip_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, SOCKEX_OTHER_MAX);
	__type(key, struct sockex_other_key);
	__type(value, struct sockex_counter);
} other_counters SEC(".maps");

static __always_inline void count_slot(__u32 slot, __u32 len)
{
	struct sockex_counter *c = bpf_map_lookup_elem(&ip_counters, &slot);

	/* Per-CPU value: the filter runs with migration disabled, so a plain
	 * add is exact and touches no cache line another CPU writes. */
	if (c) {
		c->bytes += len;
		c->packets += 1;
	}
}

static __always_inline void count_ip(__u32 dir, __u32 family, __u32 protocol, __u32 len)
{
	count_slot((dir * SOCKEX_IP_FAMILIES + family) * SOCKEX_IP_PROTOCOLS + (protocol & 0xff), len);
}

static __noinline void count_other(__u32 dir, __u32 ethertype, __u32 len)
{
	struct sockex_other_key key = { .ethertype = ethertype, .direction = dir };
	struct sockex_counter *c = bpf_map_lookup_elem(&other_counters, &key);

	if (c) {
		c->bytes += len;
		c->packets += 1;
		return;
	}
	struct sockex_counter first = { .bytes = len, .packets = 1 };
	long err = bpf_map_update_elem(&other_counters, &key, &first, BPF_NOEXIST);
	if (err == 0)
		return;
	/* Another CPU created the entry between our lookup and update. */
	c = bpf_map_lookup_elem(&other_counters, &key);
	if (c) {
		c->bytes += len;
		c->packets += 1;
		return;
	}
	/* The table is full: count the frame anyway, in the overflow slot. */
	count_slot(SOCKEX_OVERFLOW_SLOT(dir), len);
}

static __always_inline int is_ipv6_extension(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_FRAGMENT || nexthdr == IPPROTO_DSTOPTS;
}

SEC("socket")
int sockex_count(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__u32 dir = skb->pkt_type == PACKET_OUTGOING ? SOCKEX_DIR_TX : SOCKEX_DIR_RX;
	/* The kernel already parsed the link header: skb->protocol is the
	 * EtherType after any VLAN tag the device offloaded. Reads below are
	 * relative to the network header, so they work on Ethernet, loopback
	 * and headerless devices (tun, wireguard) alike. */
	__u32 ethertype = bpf_ntohs(skb->protocol);
	__u32 base = BPF_HDR_START_NET;
	__u32 off = 0;

	/* Tags still inside the frame (QinQ inner tags, non-offloading
	 * devices): TCI, then the inner EtherType. Where the network header
	 * points then depends on the path: on receive, at the first tag left;
	 * on transmit (packet sockets, VLAN devices without offload), already
	 * past every tag. The Ethernet header's own EtherType field is the
	 * same on both paths, so tagged frames are parsed from the MAC header. */
	if (ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD_) {
		__be16 outer;
		if (bpf_skb_load_bytes_relative(skb, 12, &outer, sizeof(outer), BPF_HDR_START_MAC))
			goto other;
		ethertype = bpf_ntohs(outer);
		base = BPF_HDR_START_MAC;
		off = ETH_HLEN;
	}
#pragma unroll
	for (int i = 0; i < SOCKEX_MAX_VLAN_TAGS; i++) {
		if (ethertype != ETH_P_8021Q && ethertype != ETH_P_8021AD_)
			break;
		__be16 inner;
		if (bpf_skb_load_bytes_relative(skb, off + 2, &inner, sizeof(inner), base))
			goto other;
		ethertype = bpf_ntohs(inner);
		off += 4;
	}

	if (ethertype == ETH_P_IP) {
		__u8 hdr[10]; /* version/IHL .. protocol */
		if (bpf_skb_load_bytes_relative(skb, off, hdr, sizeof(hdr), base))
			goto other;
		/* Not IPv4, or a header shorter than its fixed part: malformed. */
		if ((hdr[0] >> 4) != 4 || (hdr[0] & 0x0f) < 5)
			goto other;
		count_ip(dir, SOCKEX_FAMILY_IPV4, hdr[9], len);
		return 0;
	}

	if (ethertype == ETH_P_IPV6) {
		__u8 hdr[8]; /* version .. next header */
		if (bpf_skb_load_bytes_relative(skb, off, hdr, sizeof(hdr), base))
			goto other;
		if ((hdr[0] >> 4) != 6)
			goto other;
		__u8 nexthdr = hdr[6];
		off += 40;
		/* Follow the extension chain to the upper-layer protocol. A chain
		 * longer than the bound, or cut short by the end of the frame, is
		 * counted under the extension header the filter stopped at. */
		for (int i = 0; i < SOCKEX_IPV6_MAX_EXT; i++) {
			if (!is_ipv6_extension(nexthdr))
				break;
			__u8 ext[2]; /* next header, header length in 8-byte units */
			if (bpf_skb_load_bytes_relative(skb, off, ext, sizeof(ext), base))
				break;
			off += nexthdr == IPPROTO_FRAGMENT ? 8 : ((__u32)ext[1] + 1) * 8;
			nexthdr = ext[0];
		}
		count_ip(dir, SOCKEX_FAMILY_IPV6, nexthdr, len);
		return 0;
	}

other:
	/* Not IP, or an IP header that cannot be read: count it by EtherType
	 * (0x0800 or 0x86DD for the malformed ones). */
	count_other(dir, ethertype, len);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
