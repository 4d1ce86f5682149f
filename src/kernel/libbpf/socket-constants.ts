/** Linux's numbers for the libc socket calls (sys/socket.h, linux/if_ether.h), named once for every socket sockex opens. */
export const AF_NETLINK = 16;
export const AF_PACKET = 17;
export const SOCK_RAW = 3;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
