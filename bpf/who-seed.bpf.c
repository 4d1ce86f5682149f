// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The seed: owners for the TCP and UDP sockets that existed before sockex
 * started (who.bpf.c's sock_create never saw them). Run once at start, after
 * the hooks are attached, by user space (src/kernel/who/), in three passes:
 *   1. iter/task_file: every socket file of every task -> the task (the
 *      first in pid order that holds it: the creator, usually). The socket
 *      it gives is not one bpf_sk_storage_get accepts, so its address only
 *      goes into seed_sockets.
 *   2. iter/tcp, iter/udp: each socket (one the helpers accept) gets its
 *      owner from seed_sockets into its local storage, unless sock_create
 *      already gave it one, and its bound port and flow into bound and flows
 *      (entries the hooks wrote since start win).
 * Sockets no task holds (closed, still finishing) and the kernel's own get
 * nothing: their frames go to "kernel". The maps other than seed_sockets are
 * who.bpf.c's, handed over by user space before load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "sockex.h"
#include "owner.h"

#define SOCKEX_AF_INET 2
#define SOCKEX_AF_INET6 10
#define SOCKEX_TCP_LISTEN 10
#define SOCKEX_SEED_SOCKETS_MAX 65536

#include "owner-maps.h"

/* The socket's address (struct sock *, as a number) -> the task that holds it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SOCKEX_SEED_SOCKETS_MAX);
	__type(key, __u64);
	__type(value, struct sockex_owner);
} seed_sockets SEC(".maps");

SEC("iter/task_file")
int sockex_seed_files(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	if (!task || !file)
		return 0;
	struct socket *sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	__u64 key = (__u64)BPF_CORE_READ(sock, sk);
	struct sockex_owner owner = {
		.tgid = BPF_CORE_READ(task, tgid),
		.uid = BPF_CORE_READ(task, cred, uid.val),
		.cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id),
		.flags = SOCKEX_OWNER_SOCKET,
	};
	bpf_probe_read_kernel(owner.comm, sizeof(owner.comm), &task->comm);
	/* Tasks come in pid order: the first that holds a socket is kept. */
	bpf_map_update_elem(&seed_sockets, &key, &owner, BPF_NOEXIST);
	return 0;
}

/* The socket's local address (rcv_saddr) or its peer's, as the flow key holds it. */
static __always_inline void address_of(struct sock_common *skc, __u32 v4, __u32 local, __u8 to[16])
{
	if (v4) {
		__be32 a = local ? BPF_CORE_READ(skc, skc_rcv_saddr) : BPF_CORE_READ(skc, skc_daddr);
		__builtin_memcpy(to, &a, sizeof(a));
	} else if (local) {
		BPF_CORE_READ_INTO(to, skc, skc_v6_rcv_saddr.in6_u.u6_addr8);
	} else {
		BPF_CORE_READ_INTO(to, skc, skc_v6_daddr.in6_u.u6_addr8);
	}
}

/* Give the socket its owner, and its bound port and flow their entries. */
static __always_inline void seed(struct sock *sk, __u32 protocol, __u32 listening)
{
	__u64 address = (__u64)sk;
	struct sockex_owner *holder = bpf_map_lookup_elem(&seed_sockets, &address);
	if (!holder)
		return;
	struct sockex_socket *s = bpf_sk_storage_get(&owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!s)
		return;
	if (!s->owner.flags)
		s->owner = *holder; /* created just now: sock_create never ran for it */

	struct sock_common *skc = &sk->__sk_common;
	__u32 family = BPF_CORE_READ(skc, skc_family);
	if (family != SOCKEX_AF_INET && family != SOCKEX_AF_INET6)
		return;
	__u32 v4 = family == SOCKEX_AF_INET;
	__u16 port = BPF_CORE_READ(skc, skc_num);
	__u16 peer_port = bpf_ntohs(BPF_CORE_READ(skc, skc_dport));
	__u64 netns = BPF_CORE_READ(skc, skc_net.net, net_cookie);
	if (!port)
		return;
	if (listening || !peer_port) {
		struct sockex_bound_key key = {
			.netns = netns,
			.local_port = port,
			.family = v4 ? SOCKEX_FAMILY_IPV4 : SOCKEX_FAMILY_IPV6,
			.protocol = protocol,
		};
		address_of(skc, v4, 1, key.local);
		struct sockex_bound value = { .owner = s->owner, .cookie = bpf_get_socket_cookie(sk) };
		if (bpf_map_update_elem(&bound, &key, &value, BPF_NOEXIST) == 0)
			s->bound = key;
		return;
	}
	struct sockex_flow_key key = {
		.netns = netns,
		.local_port = port,
		.remote_port = peer_port,
		.family = v4 ? SOCKEX_FAMILY_IPV4 : SOCKEX_FAMILY_IPV6,
		.protocol = protocol,
	};
	address_of(skc, v4, 1, key.local);
	address_of(skc, v4, 0, key.remote);
	struct sockex_flow value = { .owner = s->owner, .last_used_ns = bpf_ktime_get_ns() };
	bpf_map_update_elem(&flows, &key, &value, BPF_NOEXIST);
}

SEC("iter/tcp")
int sockex_seed_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	if (!skc)
		return 0;
	/* Full sockets only: not time-wait or request sockets, which own nothing. */
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	struct sock *sk = (struct sock *)tp;
	seed(sk, IPPROTO_TCP, BPF_CORE_READ(skc, skc_state) == SOCKEX_TCP_LISTEN);
	return 0;
}

SEC("iter/udp")
int sockex_seed_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *udp = ctx->udp_sk;
	if (!udp)
		return 0;
	struct sock *sk = (struct sock *)udp;
	seed(sk, BPF_CORE_READ(sk, sk_protocol), 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
