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
 * counters. The filter lives as long as the socket does. Needs Linux 5.3+
 * (bounded loops); from 5.6 user space reads the EtherType hash in batches.
 *
 * Cost per IP frame: three context reads (len, protocol, pkt_type), two
 * legacy byte loads at constant offsets (two more per IPv6 extension header;
 * each a call of a small kernel function), and one inlined per-CPU array
 * update: no atomic operation and no shared cache line.
 */
#include "protocol-count.h"

SEC("socket")
int sockex_count(struct __sk_buff *skb)
{
	struct sockex_frame f;

	sockex_parse(skb, &f, sockex_link_hlen);
	count_protocol(&f);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
