/** The libbpf room: koffi's bindings to libbpf.so.1 and libc (and libc's socket numbers), libbpf's log, and loading a BPF object. */
export { loadNative, type Native } from './native.js';
export { libbpfLog } from './log.js';
export { loadObject, type LoadSettings, type LoadedObject } from './object.js';
export { AF_NETLINK, AF_PACKET, SOCK_CLOEXEC, SOCK_RAW, SOL_SOCKET } from './socket-constants.js';
