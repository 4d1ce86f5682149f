// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cheapest socket filter there is: it returns 0 (drop for this socket)
 * and does nothing else. The benchmark attaches it to measure what any
 * AF_PACKET tap costs before a filter does any work.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("socket")
int sockex_floor(struct __sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
