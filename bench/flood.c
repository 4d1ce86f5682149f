// SPDX-License-Identifier: MIT
/*
 * flood: send UDP datagrams over IPv4 loopback as fast as one CPU can, with
 * sendmmsg, and report how many the kernel accepted. A Node sender spends
 * its time in JavaScript; this one spends it in the kernel's UDP and
 * loopback paths, which is where a socket filter's cost shows.
 *
 * A sink socket is bound to the destination port (and never read) so the
 * stack does not answer every datagram with an ICMP port unreachable.
 *
 * Usage: flood ADDR PORT PAYLOAD COUNT SECONDS [CPU]
 *   COUNT 0 = no limit; SECONDS 0 = no limit; CPU pins the sender.
 * Prints one JSON line: {"sent":N,"seconds":S,"pps":P}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: flood ADDR PORT PAYLOAD COUNT SECONDS [CPU]\n");
		return 2;
	}
	const char *addr = argv[1];
	int port = atoi(argv[2]);
	size_t payload = strtoul(argv[3], NULL, 10);
	unsigned long long limit = strtoull(argv[4], NULL, 10);
	double seconds = atof(argv[5]);

	if (argc > 6) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(atoi(argv[6]), &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			perror("flood: sched_setaffinity");
			return 1;
		}
	}

	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1) {
		fprintf(stderr, "flood: bad IPv4 address %s\n", addr);
		return 2;
	}
	int sink = socket(AF_INET, SOCK_DGRAM, 0);
	int out = socket(AF_INET, SOCK_DGRAM, 0);
	if (sink < 0 || out < 0 || bind(sink, (struct sockaddr *)&dst, sizeof(dst)) < 0 ||
	    connect(out, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		perror("flood: socket setup");
		return 1;
	}

	char *buf = calloc(1, payload ? payload : 1);
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = payload;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	unsigned long long sent = 0;
	double start = now_seconds(), end = start;
	for (;;) {
		unsigned int want = BATCH;
		if (limit && limit - sent < want)
			want = (unsigned int)(limit - sent);
		if (want == 0)
			break;
		int n = sendmmsg(out, msgs, want, 0);
		if (n < 0) {
			/* A full queue or a late ICMP error: nothing was sent, try again. */
			if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED)
				continue;
			perror("flood: sendmmsg");
			return 1;
		}
		sent += n;
		/* Check the clock once per batch: cheap next to 64 datagrams. */
		end = now_seconds();
		if (seconds > 0 && end - start >= seconds)
			break;
	}
	double took = end - start;
	printf("{\"sent\":%llu,\"seconds\":%.6f,\"pps\":%.0f}\n", sent, took, took > 0 ? sent / took : 0.0);
	return 0;
}
