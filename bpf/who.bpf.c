// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The socket hooks of --by process, --by user and --by cgroup: they record
 * which process owns each local socket, and which socket sends each flow,
 * in maps the tap (sockex-by.bpf.c's who builds) looks frames up in. They
 * count nothing and never refuse anything: each returns 1 (allow).
 *
 * Attached with bpf_link at the cgroup v2 root (src/kernel/who/), where they
 * run for every socket of every process in every network namespace, beside
 * whatever else is attached there:
 *   - cgroup/sock_create: the creator (tgid, uid, cgroup, comm), in the
 *     socket's local storage; it runs in the creator's context. The kernel's
 *     own sockets never run it, so a socket without storage is the kernel's.
 *   - cgroup/post_bind4, post_bind6: the bound address and port -> owner
 *     (bound), for what is received where no flow names the sender yet.
 *   - cgroup/sock_release: the socket's bound entry goes with it.
 *   - cgroup_skb/egress: runs before the packet tap on transmit and sees the
 *     socket: the frame's flow -> the socket's owner (flows).
 * docs/attribution.md says what this cannot see and why.
 */
#include "owner-lookup.h"
#include <bpf/bpf_core_read.h>

#define SOCKEX_NS_PER_SECOND 1000000000ULL

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SOCKEX_LOST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} owners_lost SEC(".maps");

static __always_inline void lost(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&owners_lost, &slot);

	if (n)
		*n += 1;
}

/* The two fields of the kernel's task_struct read here, found in the running
 * kernel's BTF at load (CO-RE), so no vmlinux.h is needed for them. */
struct task_struct {
	struct task_struct *group_leader;
	char comm[16];
} __attribute__((preserve_access_index));

SEC("cgroup/sock_create")
int sockex_who_create(struct bpf_sock *sk)
{
	struct sockex_socket *s = bpf_sk_storage_get(&owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);

	if (!s)
		return 1; /* out of memory: the socket's frames go to "kernel" */
	struct sockex_owner *o = &s->owner;
	o->tgid = bpf_get_current_pid_tgid() >> 32;
	o->uid = (__u32)bpf_get_current_uid_gid();
	o->cgroup_id = bpf_get_current_cgroup_id();
	/* The process's name (its main thread's, as ps shows it), not the
	 * creating thread's: a Java or Go thread may carry a name of its own. */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	BPF_CORE_READ_STR_INTO(&o->comm, task, group_leader, comm);
	o->flags = SOCKEX_OWNER_SOCKET;
	return 1;
}

/* Frames received at the address (zero: any) and port a socket is bound to are its. */
static __always_inline void bind_owner(struct bpf_sock *sk, __u32 family, const void *address, __u32 size)
{
	struct sockex_socket *s = bpf_sk_storage_get(&owners, sk, 0, 0);
	if (!s)
		return;
	struct sockex_bound_key key = {
		.netns = bpf_get_netns_cookie(sk),
		.local_port = sk->src_port,
		.family = family,
		.protocol = sk->protocol,
	};
	__builtin_memcpy(key.local, address, size);
	struct sockex_bound value = { .owner = s->owner, .cookie = bpf_get_socket_cookie(sk) };
	if (bpf_map_update_elem(&bound, &key, &value, BPF_ANY))
		lost(SOCKEX_LOST_BOUND);
	else
		s->bound = key;
}

SEC("cgroup/post_bind4")
int sockex_who_bind4(struct bpf_sock *sk)
{
	__u32 address = sk->src_ip4;

	bind_owner(sk, SOCKEX_FAMILY_IPV4, &address, sizeof(address));
	return 1;
}

SEC("cgroup/post_bind6")
int sockex_who_bind6(struct bpf_sock *sk)
{
	__u32 address[4] = { sk->src_ip6[0], sk->src_ip6[1], sk->src_ip6[2], sk->src_ip6[3] };

	bind_owner(sk, SOCKEX_FAMILY_IPV6, address, sizeof(address));
	return 1;
}

SEC("cgroup/sock_release")
int sockex_who_release(struct bpf_sock *sk)
{
	struct sockex_socket *s = bpf_sk_storage_get(&owners, sk, 0, 0);
	if (!s || !s->bound.local_port)
		return 1;
	/* Only this socket's: another may have bound the same port since (SO_REUSEADDR). */
	struct sockex_bound *b = bpf_map_lookup_elem(&bound, &s->bound);
	if (b && b->cookie == bpf_get_socket_cookie(sk))
		bpf_map_delete_elem(&bound, &s->bound);
	return 1;
}

/* Whether two owners are the same, without a loop or a call. */
static __always_inline int same_owner(const struct sockex_owner *a, const struct sockex_owner *b)
{
	const __u64 *x = (const void *)a, *y = (const void *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/* Written only when the owner changes or a second has passed: most frames
 * of a flow cost one lookup. */
static __always_inline void file_flow(const struct sockex_flow_key *key, const struct sockex_flow *next)
{
	struct sockex_flow *now = bpf_map_lookup_elem(&flows, key);

	if (now && same_owner(&now->owner, &next->owner) && next->last_used_ns - now->last_used_ns < SOCKEX_NS_PER_SECOND)
		return;
	if (bpf_map_update_elem(&flows, key, next, BPF_ANY))
		lost(SOCKEX_LOST_FLOWS);
}

SEC("cgroup_skb/egress")
int sockex_who_egress(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	struct sockex_frame f;
	/* Here skb->data is the network header: parse.h's fallback, which reads from it. */
	sockex_parse(skb, &f, SOCKEX_LINK_UNKNOWN);
	if (f.family == SOCKEX_FAMILY_OTHER)
		return 1;
	struct sockex_flow_key key = {};
	if (sockex_flow_key_of(skb, &f, bpf_get_netns_cookie(skb), 1, &key))
		return 1;

	/* The coarse clock (a tick's resolution) is cheaper and plenty for a 1 s refresh. */
	struct sockex_flow next = { .last_used_ns = bpf_ktime_get_coarse_ns() };
	struct sockex_socket *s = bpf_sk_storage_get(&owners, sk, 0, 0);
	if (s)
		next.owner = s->owner;
	else
		next.owner.flags = SOCKEX_OWNER_KERNEL;
	file_flow(&key, &next);
	/* Again under no namespace, for a tap that sees the frame from another
	 * (the node's end of a pod's veth): owner-lookup.h, sockex_flow_elsewhere. */
	key.netns = SOCKEX_NETNS_ANY;
	file_flow(&key, &next);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
