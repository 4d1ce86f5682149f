/** The libbpf room: koffi's bindings to libbpf.so.1 and libc, libbpf's log, and loading a BPF object. */
export { loadNative, type Native, type Rlimit } from './native.js';
export { libbpfLog } from './log.js';
export { loadObject, type LoadSettings, type LoadedObject } from './object.js';
