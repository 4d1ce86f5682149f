/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The per-protocol counters and how a frame is added to them, shared by the
 * protocol filter (sockex.bpf.c) and the breakdown filter (sockex-by.bpf.c),
 * so the protocol totals of both are counted by the very same code.
 */
#ifndef SOCKEX_PROTOCOL_COUNT_H
#define SOCKEX_PROTOCOL_COUNT_H

#include "parse.h"

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
 * as struct sockex_ip_table.
 *
 * The slot is reached in two steps on purpose. A loader with CAP_BPF but not
 * CAP_PERFMON gets the verifier's Spectre masking of pointer arithmetic, which
 * needs every path through one "pointer += register" to add a value with the
 * same maximum. So direction and family move the pointer by constants (no
 * masking needed), and only the protocol, 0..255 on every path, is added from
 * a register.
 */
static __always_inline void count_slot(struct sockex_ip_table *table, __u32 dir, __u32 family, __u32 protocol, __u32 len)
{
	struct sockex_counter *row = table->slot;
	/* Written as immediate adds in asm: left to itself, clang turns these
	 * branches into a register holding a per-path constant, which the
	 * masking refuses just the same. */
	if (dir == SOCKEX_DIR_RX)
		asm volatile("%0 += %1" : "+r"(row) : "i"(SOCKEX_IP_FAMILIES * SOCKEX_IP_PROTOCOLS * sizeof(*row)));
	if (family == SOCKEX_FAMILY_IPV6)
		asm volatile("%0 += %1" : "+r"(row) : "i"(SOCKEX_IP_PROTOCOLS * sizeof(*row)));
	sockex_add(&row[protocol & 0xff], len);
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
	if (dir == SOCKEX_DIR_RX)
		asm volatile("%0 += %1" : "+r"(c) : "i"(sizeof(*c)));
	sockex_add(c, len);
}

static __noinline void count_other(__u32 dir, __u32 ethertype, __u32 len)
{
	struct sockex_other_key key = { .ethertype = ethertype, .direction = dir };
	struct sockex_counter *c = bpf_map_lookup_elem(&other_counters, &key);

	if (c) {
		sockex_add(c, len);
		return;
	}
	struct sockex_counter first = { .bytes = len, .packets = 1 };
	long err = bpf_map_update_elem(&other_counters, &key, &first, BPF_NOEXIST);
	if (err == 0)
		return;
	/* Another CPU created the entry between our lookup and update. */
	c = bpf_map_lookup_elem(&other_counters, &key);
	if (c) {
		sockex_add(c, len);
		return;
	}
	/* The table is full: count the frame anyway, in the overflow slot. */
	count_overflow(dir, len);
}

/* Count a parsed frame in the per-protocol counters. */
static __always_inline void count_protocol(const struct sockex_frame *f)
{
	if (f->family == SOCKEX_FAMILY_OTHER)
		count_other(f->direction, f->protocol, f->len);
	else
		count_ip(f->direction, f->family, f->protocol, f->len);
}

#endif /* SOCKEX_PROTOCOL_COUNT_H */
