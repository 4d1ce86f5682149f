/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who owns a frame (--by process, --by user, --by cgroup): the layout shared
 * by the socket hooks (who.bpf.c), the seed of sockets that existed before
 * start (who-seed.bpf.c), the tap's lookup (owner-lookup.h) and user space
 * (src/kernel/who/layout.ts mirrors these numbers; a unit test checks them
 * against the objects' BTF). Plain __u types only: it is included beside
 * linux/bpf.h and beside vmlinux.h. docs/attribution.md says how it works.
 */
#ifndef SOCKEX_OWNER_H
#define SOCKEX_OWNER_H

/* sockex_owner.flags */
#define SOCKEX_OWNER_SOCKET 1 /* a process's socket: tgid, uid, cgroup and comm are its creator's */
#define SOCKEX_OWNER_KERNEL 2 /* a socket of the kernel's own (it never ran sock_create) */
#define SOCKEX_OWNER_FRAGMENT 4 /* a later IP fragment: no ports, so no socket can be told (the tap only) */

/* The process that created a socket, as the kernel saw it then. The value of
 * socket's local storage (struct sockex_socket), and of flows and bound. */
struct sockex_owner {
	__u64 cgroup_id; /* its cgroup v2 id (the directory's inode number) */
	__u32 tgid;
	__u32 uid;
	char comm[16];
	__u32 flags;     /* SOCKEX_OWNER_SOCKET or SOCKEX_OWNER_KERNEL */
	__u32 pad;
};

/* How many entries the tables hold (every flow takes two in flows: under its
 * namespace and under SOCKEX_NETNS_ANY). Bounded, never LRU: an insert that
 * finds its table full is counted in owners_lost (each try), and the frames
 * of what it would have recorded go to "none", so nothing is lost silently. */
#define SOCKEX_FLOWS_MAX 65536
#define SOCKEX_BOUND_MAX 16384

/* ICMP and ICMPv6 have no ports: an echo's identifier plays the local port,
 * and the remote port says whose echo it is. */
#define SOCKEX_ECHO_OURS 0     /* a request sent, or the reply to it received: the pinging socket's */
#define SOCKEX_ECHO_THEIRS 1   /* a request received, or the reply to it sent: the kernel's */
#define SOCKEX_ICMP_OTHER 0x100 /* + the type, local port 0: any other ICMP message */

/* One direction of a conversation as a local socket sees it: sent from
 * local to remote, or received at local from remote. */
/* The namespace every flow is filed under a second time, for taps in
 * other namespaces (owner-lookup.h): no namespace has cookie 0. */
#define SOCKEX_NETNS_ANY 0

struct sockex_flow_key {
	__u64 netns;       /* the network namespace's cookie (SO_NETNS_COOKIE) */
	__u8 local[16];    /* IPv4 in the first 4 bytes, as on the wire */
	__u8 remote[16];
	__u16 local_port;  /* host byte order; ICMP: see above */
	__u16 remote_port;
	__u8 family;       /* SOCKEX_FAMILY_IPV4 or _IPV6 */
	__u8 protocol;
	__u16 pad;
};

/* A socket bound to a local address (all zero: any) and port: who a frame
 * received there belongs to when no flow names its sender. */
struct sockex_bound_key {
	__u64 netns;
	__u8 local[16];
	__u16 local_port;
	__u8 family;
	__u8 protocol;
	__u32 pad;
};

struct sockex_flow {
	struct sockex_owner owner;
	__u64 last_used_ns; /* CLOCK_MONOTONIC (its coarse reading), updated at most once a second */
	__u64 netns;        /* the socket's namespace: tells a copy under SOCKEX_NETNS_ANY where it is from */
};

struct sockex_bound {
	struct sockex_owner owner;
	__u64 cookie; /* the bound socket's cookie: only its release deletes the entry */
};

/* The local storage of a socket: its owner, and the bound entry it wrote
 * (local_port 0: none), which sock_release cannot read from the socket. */
struct sockex_socket {
	struct sockex_owner owner;
	struct sockex_bound_key bound;
};

/* The owner part of the breakdown's key (struct sockex_by_key.owner) in the
 * tap's who builds: each fills what it splits by (process: tgid, uid, comm;
 * user: uid; cgroup: cgroup_id), and zero elsewhere. */
struct sockex_by_owner {
	__u64 cgroup_id;
	__u32 tgid;
	__u32 uid;
	char comm[16];
};

/* owners_lost slots: inserts into flows and bound that found the table full. */
#define SOCKEX_LOST_FLOWS 0
#define SOCKEX_LOST_BOUND 1
#define SOCKEX_LOST_SLOTS 2

#endif /* SOCKEX_OWNER_H */
