// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sockex --by port / --by host on a named interface: the protocol filter
 * (sockex.bpf.c, the same parse and the same per-protocol counters), with the
 * frames of the protocols the build splits counted by service port and/or by
 * the other end's address instead (breakdown-count.h).
 *
 * Built three times from this file (see the Makefile): SOCKEX_BY_PORT and
 * SOCKEX_BY_HOST say what the key holds. Loaded only with --by; `--by
 * protocol` (the default) loads sockex.bpf.c and pays nothing for this.
 *
 * Each frame is counted once: a split one in by_counters, or, when its key
 * finds the table full, in its protocol's ip_counters slot, which for a split
 * protocol means its "other"; every other frame in the protocol counters as
 * sockex.bpf.c counts it. User space adds a split protocol's parts up to its
 * total, so the two always agree.
 *
 * Attached with SO_ATTACH_BPF to a raw AF_PACKET socket; returns 0 for every
 * frame, so the socket queues nothing and the stack is untouched. Lives as
 * long as the socket.
 */
#include "protocol-count.h"
#include "breakdown-count.h"

/*
 * count_slot for a split frame whose key found the table full, in two steps.
 * A loader with CAP_BPF but not CAP_PERFMON gets the verifier's Spectre
 * masking of pointer arithmetic, which needs every path through one "pointer
 * += register" to move the pointer by a value with the same maximum.
 * count_slot's one register holds that on each of count_protocol's call sites
 * (one per family, a constant), but here one update serves both families, and
 * the verifier knows the family on some paths and not on others. So direction
 * and family move the pointer by constants, and only the protocol, 0..255 on
 * every path, is added from a register.
 */
static __always_inline void count_other_slot(struct sockex_ip_table *table, __u32 dir, __u32 family, __u32 protocol, __u32 len)
{
	struct sockex_counter *row = table->slot;
	/* Immediate adds in asm: left to itself, clang turns these branches into
	 * a register holding a per-path constant, which the masking refuses just
	 * the same. */
	if (dir == SOCKEX_DIR_RX)
		asm volatile("%0 += %1" : "+r"(row) : "i"(SOCKEX_IP_FAMILIES * SOCKEX_IP_PROTOCOLS * sizeof(*row)));
	if (family == SOCKEX_FAMILY_IPV6)
		asm volatile("%0 += %1" : "+r"(row) : "i"(SOCKEX_IP_PROTOCOLS * sizeof(*row)));
	sockex_add(&row[protocol & 0xff], len);
}

SEC("socket")
int sockex_count_by(struct __sk_buff *skb)
{
	struct sockex_frame f;

	sockex_parse(skb, &f, sockex_link_hlen);
	if (!by_splits(&f)) {
		count_protocol(&f);
		return 0;
	}
	if (count_by(skb, &f, 0) == 0)
		return 0;
	/* The table is full: count the frame anyway, as "other" of its protocol. */
	struct sockex_ip_table *table = ip_table();
	if (table)
		count_other_slot(table, f.direction, f.family, f.protocol, f.len);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
