/** The links room: the interfaces of sockex's own network namespace, from rtnetlink and /proc/net/route. */
export { IFF_LOWER_UP, IFF_UP, RouteSocket, type Link } from './rtnetlink.js';
export { LinkTable, type LinkUpdates } from './link-table.js';
export { ANY_INTERFACE, findInterface, invalidInterfaceName } from './interface-name.js';
export { interfaceNamesHere, readDefaultRouteInterface } from './default-route.js';
export { watchReadable, type ReadableWatch } from './readable-watch.js';
