/**
 * The kernel layer's public surface for the rest of sockex. Inside it, a room
 * per layer, each with an index of its own: libbpf/ (bindings, objects), links/
 * (interfaces from rtnetlink), maps/ (the layout shared with bpf/, map reads)
 * and filters/ (load, attach, read); rooms import one another only through
 * those indexes, lower rooms never from higher ones.
 */
export { attachFilter, type AttachedFilter } from './filters/index.js';
export { libbpfLog, loadNative, type Native } from './libbpf/index.js';
export { interfaceNamesHere, invalidInterfaceName, readDefaultRouteInterface } from './links/index.js';
export { DescriptorBudget, raiseDescriptorLimit } from './descriptors.js';
export { DEFAULT_MAX_ENTRIES, MAX_MAX_ENTRIES } from './maps/index.js';
export { dropPrivileges } from './privileges.js';
