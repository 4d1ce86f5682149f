// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sockex -i any --by port / --by host: the every-interface filter
 * (sockex-any.bpf.c, any-count.h), with the frames of the protocols the build
 * splits counted by service port and/or other end instead, under the
 * interface they were seen on (breakdown-count.h, key.ifindex).
 *
 * Built three times from this file, like sockex-by.bpf.c (see the Makefile).
 * Each frame is counted once: a split one in by_counters; when its key finds
 * the table full, in any_counters under its (ifindex, direction, family,
 * protocol), which for a split protocol means that interface's "other"; when
 * that is full too, in any_overflow, as every frame of sockex-any.bpf.c.
 * Frames not split are counted as sockex-any.bpf.c counts them. User space
 * adds each interface's parts up to its protocol totals.
 */
#include "any-count.h"
#include "breakdown-count.h"

SEC("socket")
int sockex_count_any_by(struct __sk_buff *skb)
{
	struct sockex_frame f;
	__u32 ifindex = skb->ifindex;

	sockex_parse(skb, &f, link_hlen_of(ifindex));
	if (by_splits(&f) && count_by(skb, &f, ifindex) == 0)
		return 0;
	count_any(ifindex, f.direction, f.family, f.protocol, f.len);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
