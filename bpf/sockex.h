/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The counter layout shared by the BPF filters and user space
 * (src/kernel/maps/layout.ts and breakdown-layout.ts mirror these numbers; the
 * layout unit tests check them against the compiled objects' BTF, so change
 * them together).
 */
#ifndef SOCKEX_H
#define SOCKEX_H

#include "owner.h"

/* Directions: tx is what the interface sends (PACKET_OUTGOING), rx is
 * everything else the socket sees (host, broadcast, multicast, other host). */
#define SOCKEX_DIR_TX 0
#define SOCKEX_DIR_RX 1
#define SOCKEX_DIRECTIONS 2

/* IP families that get one slot per IP protocol number (0..255). */
#define SOCKEX_FAMILY_IPV4 0
#define SOCKEX_FAMILY_IPV6 1
#define SOCKEX_IP_FAMILIES 2
/* Not IP (or an unreadable IP header): the protocol is the EtherType. */
#define SOCKEX_FAMILY_OTHER 2
#define SOCKEX_IP_PROTOCOLS 256

/* ip_counters index = (direction * SOCKEX_IP_FAMILIES + family) * 256 + protocol.
 * The two slots after the IP slots count non-IP frames (one per direction)
 * that found other_counters full, so no frame is ever left uncounted. */
#define SOCKEX_IP_SLOTS (SOCKEX_DIRECTIONS * SOCKEX_IP_FAMILIES * SOCKEX_IP_PROTOCOLS)
#define SOCKEX_OVERFLOW_SLOT(dir) (SOCKEX_IP_SLOTS + (dir))
#define SOCKEX_ARRAY_SLOTS (SOCKEX_IP_SLOTS + SOCKEX_DIRECTIONS)

/* How many distinct (EtherType, direction) pairs other_counters holds. */
#define SOCKEX_OTHER_MAX 1024

/* How many IPv6 extension headers the filter steps over before it gives up
 * and counts the frame under the extension header it stopped at. */
#define SOCKEX_IPV6_MAX_EXT 8

/* VLAN tags still inside the frame (not offloaded) that the filter steps over. */
#define SOCKEX_MAX_VLAN_TAGS 2

/* The link-header length user space gives for a link type it does not know
 * (src/kernel/maps/link-header.ts): the filter then reads relative to the network
 * header, in the skb's linear data only (see parse.h). */
#define SOCKEX_LINK_UNKNOWN 255

/* The every-interface filter's link-header lengths: interfaces with an
 * ifindex below SOCKEX_LINKS_DIRECT in an array (an inlined lookup), the
 * others in a hash of up to SOCKEX_LINKS_MAX; an interface in neither uses
 * the fallback. */
#define SOCKEX_LINKS_DIRECT 4096
#define SOCKEX_LINKS_MAX 65536

/* One counter, per CPU in the kernel; user space sums the CPUs. */
struct sockex_counter {
	__u64 bytes;
	__u64 packets;
};

/* The single value of ip_counters: every slot of one CPU side by side, so
 * user space reads all slots of all CPUs with one plain lookup instead of a
 * batched lookup that pays a per-element cost 1026 times. 16,416 bytes, under
 * the kernel's 32 KiB limit for a per-CPU value. */
struct sockex_ip_table {
	struct sockex_counter slot[SOCKEX_ARRAY_SLOTS];
};

/* Key of other_counters: frames that are not IPv4/IPv6, or whose IP header
 * could not be read (then the EtherType is 0x0800 or 0x86DD). */
struct sockex_other_key {
	__u16 ethertype; /* host byte order */
	__u8 direction;
	__u8 pad;
};

/* How many distinct (ifindex, direction, family, protocol) counters the
 * every-interface filter (sockex-any.bpf.c) holds. Frames that find the table
 * full are counted in any_overflow, per direction, without their interface. */
#define SOCKEX_ANY_MAX 8192

/* Key of any_counters: one counter per interface and protocol. */
struct sockex_any_key {
	__u32 ifindex;
	__u16 protocol; /* IP protocol number, or the EtherType (host byte order) */
	__u8 direction;
	__u8 family;    /* SOCKEX_FAMILY_IPV4, _IPV6 or _OTHER */
};

/* The breakdown filters (breakdown-count.h, --by port and/or --by host): how
 * many keys by_counters holds unless user space sets another size at load
 * (--max-entries). Frames that find it full are counted as "other" of their
 * protocol in the protocol table (ip_counters, or any_counters with -i any). */
#define SOCKEX_BY_DEFAULT_MAX 4096

/* sockex_by_key.flags */
#define SOCKEX_BY_PORT_KNOWN 1 /* port holds the frame's service port */
#define SOCKEX_BY_HOST_KNOWN 2 /* host holds the other end's address */
#define SOCKEX_BY_OWNER_SOCKET 4 /* owner holds a process's socket's owner (--by process/user/cgroup) */
#define SOCKEX_BY_OWNER_KERNEL 8 /* a socket of the kernel's own; none of the three: no local socket */
#define SOCKEX_BY_OWNER_FRAGMENT 16 /* a later IP fragment, whose socket cannot be told */

/* Key of by_counters: one counter per interface (-i any; 0 on a named one),
 * direction, family, IP protocol and service port and/or other end. A field
 * the filter does not split by (or could not read) is zero, and its flag says
 * which. 32 bytes, every field at its natural alignment; the who builds
 * (-DSOCKEX_BY_OWNER, set by the Makefile) add the owner, 64 bytes. The owner
 * is left out of the others: the hash and compare of every frame's key run
 * over all of it, and at 64 bytes --by port cost ~20 ns more a frame (bench
 * section 1). */
struct sockex_by_key {
	__u8 host[16];  /* tx: destination, rx: source; IPv4 in the first 4 bytes */
	__u16 port;     /* the lower of source and destination port, host byte order */
	__u8 protocol;  /* IP protocol number */
	__u8 direction;
	__u8 family;    /* SOCKEX_FAMILY_IPV4 or _IPV6 */
	__u8 flags;     /* SOCKEX_BY_PORT_KNOWN | SOCKEX_BY_HOST_KNOWN | SOCKEX_BY_OWNER_* */
	__u16 pad;
	__u32 ifindex;  /* -i any: the interface the frame was seen on (skb->ifindex) */
	__u32 pad2;
#if defined(SOCKEX_BY_OWNER) && SOCKEX_BY_OWNER
	struct sockex_by_owner owner; /* owner.h */
#endif
};

#endif /* SOCKEX_H */
