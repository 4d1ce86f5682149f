/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The owner maps, declared once for the three objects that share them: the
 * socket hooks (who.bpf.c) create them; the seed (who-seed.bpf.c) and the
 * tap's who builds are handed the hooks' maps before load (bpf_map__reuse_fd),
 * which needs the same types and sizes. Include after the kernel's types
 * (linux/bpf.h or vmlinux.h), bpf_helpers.h and owner.h.
 */
#ifndef SOCKEX_OWNER_MAPS_H
#define SOCKEX_OWNER_MAPS_H

/* Each socket's owner, created by sock_create (or the seed); BPF_F_CLONE: a
 * TCP socket accepted from a listener inherits the listener's. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct sockex_socket);
} owners SEC(".maps");

/* Not preallocated: the tables cost what they hold, not their bound. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SOCKEX_FLOWS_MAX);
	__type(key, struct sockex_flow_key);
	__type(value, struct sockex_flow);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SOCKEX_BOUND_MAX);
	__type(key, struct sockex_bound_key);
	__type(value, struct sockex_bound);
} bound SEC(".maps");

#endif /* SOCKEX_OWNER_MAPS_H */
