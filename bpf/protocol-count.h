/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The per-protocol counters and how a frame is added to them, shared by the
 * protocol filter (sockex.bpf.c) and the breakdown filter (sockex-by.bpf.c),
 * so the protocol totals of both are counted by the very same code. All
 * inlined: legacy packet loads rule out bpf-to-bpf calls.
 */
#ifndef SOCKEX_PROTOCOL_COUNT_H
#define SOCKEX_PROTOCOL_COUNT_H

#include "count.h"
#include "parse.h"

/* The interface's link-header length (parse.h), set by user space before
 * load from the interface's ARPHRD type. Read-only data the verifier sees as
 * a constant, so it keeps only the code for this length. */
const volatile __u32 sockex_link_hlen = SOCKEX_LINK_UNKNOWN;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sockex_ip_table);
} ip_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, SOCKEX_OTHER_MAX);
	__type(key, struct sockex_other_key);
	__type(value, struct sockex_counter);
} other_counters SEC(".maps");

static __always_inline struct sockex_ip_table *ip_table(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ip_counters, &zero);
}

/*
 * Add a frame to the (direction, family, protocol) slot of a table laid out
 * as struct sockex_ip_table. The slot is worked out in one register, without
 * a branch, and masked: a loader with CAP_BPF but not CAP_PERFMON gets the
 * verifier's Spectre masking of pointer arithmetic, which needs every path
 * through the one "pointer += register" to add an unknown value with the
 * same bounds.
 */
static __always_inline void count_slot(struct sockex_ip_table *table, __u32 dir, __u32 family, __u32 protocol, __u32 len)
{
	__u32 slot = ((dir * SOCKEX_IP_FAMILIES + family) * SOCKEX_IP_PROTOCOLS + (protocol & 0xff)) & (SOCKEX_IP_SLOTS - 1);
	sockex_add(&table->slot[slot], len);
}

static __always_inline void count_ip(__u32 dir, __u32 family, __u32 protocol, __u32 len)
{
	struct sockex_ip_table *table = ip_table();

	if (!table)
		return;
	count_slot(table, dir, family, protocol, len);
}

static __always_inline void count_overflow(__u32 dir, __u32 len)
{
	struct sockex_ip_table *table = ip_table();

	if (!table)
		return;
	struct sockex_counter *c = &table->slot[SOCKEX_OVERFLOW_SLOT(SOCKEX_DIR_TX)];
	/* The rx slot is the next one. An immediate add in asm, for the
	 * Spectre masking of count_slot: left to itself, clang turns the branch
	 * into a register holding 0 or 16 added to the pointer, which the
	 * masking refuses on a path where it differs from the others. */
	if (dir == SOCKEX_DIR_RX)
		asm volatile("%0 += %1" : "+r"(c) : "i"(sizeof(*c)));
	sockex_add(c, len);
}

static __always_inline void count_other(__u32 dir, __u32 ethertype, __u32 len)
{
	struct sockex_other_key key = { .ethertype = ethertype, .direction = dir };

	/* The table is full: count the frame anyway, in the overflow slot. */
	if (sockex_count_key(&other_counters, &key, len))
		count_overflow(dir, len);
}

/* Count a parsed frame in the per-protocol counters. One call per family, so
 * each knows its family as a constant. */
static __always_inline void count_protocol(const struct sockex_frame *f)
{
	if (f->family == SOCKEX_FAMILY_IPV4)
		count_ip(f->direction, SOCKEX_FAMILY_IPV4, f->protocol, f->len);
	else if (f->family == SOCKEX_FAMILY_IPV6)
		count_ip(f->direction, SOCKEX_FAMILY_IPV6, f->protocol, f->len);
	else
		count_other(f->direction, f->protocol, f->len);
}

#endif /* SOCKEX_PROTOCOL_COUNT_H */
