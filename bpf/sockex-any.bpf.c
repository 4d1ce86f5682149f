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
#include "any-count.h"

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
