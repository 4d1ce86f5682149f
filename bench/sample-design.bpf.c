// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel sample's design (samples/bpf/sockex1), rewritten here only as a
 * yardstick for the benchmark; sockex never loads it. It differs from
 * sockex's filter in exactly the ways sockex was designed around:
 *   - the IP protocol is read at a fixed frame offset (Ethernet header +
 *     offsetof(struct iphdr, protocol)) without looking at the EtherType, so
 *     ARP and IPv6 frames land in whatever bucket their byte 23 names;
 *   - one array shared by every CPU, updated with an atomic add, so CPUs
 *     counting at once contend for the same cache line;
 *   - bytes of outgoing frames only, no packet counts.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

/* The classic socket-filter packet load (BPF_LD_ABS), as the sample uses. */
unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} sample_bytes SEC(".maps");

SEC("socket")
int sample_design(struct __sk_buff *skb)
{
	__u32 protocol = load_byte(skb, ETH_HLEN + offsetof(struct iphdr, protocol));

	if (skb->pkt_type != PACKET_OUTGOING)
		return 0;

	__u64 *bytes = bpf_map_lookup_elem(&sample_bytes, &protocol);
	if (bytes)
		__sync_fetch_and_add(bytes, skb->len);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
