/**
 * The benchmark's agent inside a network namespace (run under `ip netns
 * exec`): it loads and attaches filters with sockex's own loader, so what is
 * measured is what users run.
 *
 *   probe.js attach OBJECT PROGRAM IFACE [as-is]
 *     load OBJECT, attach PROGRAM to IFACE, print {"progId":N}, stay
 *     attached until stdin closes, then detach and exit. sockex's own
 *     programs are attached as sockex does (sockex_count_any and sockex_count_any_by to every
 *     interface, a breakdown build as --by does), unless "as-is" (an object
 *     built before they had settings).
 *   probe.js who
 *     attach the socket hooks of --by process/user/cgroup at the cgroup2
 *     root, print {"progId":N} of the egress hook, stay attached until
 *     stdin closes.
 *   probe.js read-cost SAMPLES IFACE...
 *     attach sockex's filter to every IFACE, take SAMPLES samples the way
 *     main.ts does, print the median cost of one sample as JSON.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadObject } from '../src/kernel/libbpf/object.js';
import { ANY_BY_PROGRAM_NAME, BY_PROGRAM_NAME, byObjectName } from '../src/kernel/maps/breakdown-layout.js';
import { attachFilter, type AttachedFilter } from '../src/kernel/index.js';
import { ANY_INTERFACE } from '../src/kernel/links/interface-name.js';
import { ANY_PROGRAM_NAME, PROGRAM_NAME } from '../src/kernel/maps/layout.js';
import { loadNative } from '../src/kernel/libbpf/native.js';
import { openFilteredSocket } from '../src/kernel/filters/packet-socket.js';
import type { BreakdownBy } from '../src/model/breakdown.js';
import { joinReads } from '../src/model/counter-read.js';
import { Sampler } from '../src/model/sampler.js';
import { attachWhoHooks, SEED_OBJECT, WHO_OBJECT } from '../src/kernel/who/index.js';
import { builtFilter } from '../src/kernel/filters/compiled-filters.js';
import { ReadMeter } from './read-meter.js';
import { median } from './stats.js';

/** The kernel's id of a loaded program, from the fd's /proc entry. */
function programId(fd: number): number {
  const match = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  if (!match?.[1]) throw new Error(`no prog_id in /proc/self/fdinfo/${fd}`);
  return Number(match[1]);
}

/** What each of the breakdown builds measured splits by (the who build attaches the socket hooks too). */
const BY_BUILDS: readonly (readonly BreakdownBy[])[] = [['port'], ['host'], ['port', 'host'], ['process']];

/** sockex's filters the way sockex attaches them (link-header length set); any other object as it is. */
function attachAny(objectPath: string, program: string, iface: string, asIs: boolean): { programFd: number; close(): void } {
  const native = loadNative();
  if (!asIs && program === PROGRAM_NAME) return attachFilter(iface, { native, objectPath });
  if (!asIs && program === ANY_PROGRAM_NAME) return attachFilter(ANY_INTERFACE, { native, objectPath });
  // A breakdown filter, told apart by its object's name (the three builds share the program's).
  const by = BY_BUILDS.find((kinds) => basename(objectPath) === byObjectName(kinds));
  if (!asIs && program === BY_PROGRAM_NAME && by) return attachFilter(iface, { native, objectPath, by });
  const anyBy = BY_BUILDS.find((kinds) => basename(objectPath) === byObjectName(kinds, true));
  if (!asIs && program === ANY_BY_PROGRAM_NAME && anyBy) return attachFilter(ANY_INTERFACE, { native, objectPath, by: anyBy });
  const object = loadObject(objectPath, program, native);
  const socket = openFilteredSocket(native.libc.ifNameToIndex(iface), iface, object.programFd, native);
  return {
    programFd: object.programFd,
    close() {
      socket.close();
      object.close();
    },
  };
}

function attach(objectPath: string, program: string, iface: string, asIs: boolean): void {
  stayAttached(attachAny(objectPath, program, iface, asIs));
}

/** Print the program's id, keep it attached until stdin closes. */
function stayAttached(filter: { programFd: number; close(): void }): void {
  const detach = (): void => {
    filter.close();
    process.exit(0);
  };
  process.stdin.on('end', detach);
  process.stdin.on('close', detach);
  process.on('SIGTERM', detach);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ progId: programId(filter.programFd) })}\n`);
}

function readCost(samples: number, interfaces: string[]): void {
  const meter = new ReadMeter(loadNative());
  const filters: AttachedFilter[] = [];
  try {
    for (const name of interfaces) filters.push(attachFilter(name, { native: meter.native }));
    const sampler = new Sampler(interfaces);
    const join = joinReads();
    const times: number[] = [];
    let syscalls = 0;
    let bytes = 0;
    for (let i = 0; i < samples; i++) {
      meter.reset();
      const start = process.hrtime.bigint();
      sampler.sample(join(filters.map((f) => f.read())));
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      ({ syscalls, bytes } = meter);
    }
    const cpus = meter.native.libbpf.numPossibleCpus();
    process.stdout.write(`${JSON.stringify({ interfaces: interfaces.length, cpus, syscalls, bytes, ms: median(times) })}\n`);
  } finally {
    for (const f of filters.reverse()) f.close();
  }
}

const [command, ...args] = process.argv.slice(2);
if (command === 'attach' && (args.length === 3 || (args.length === 4 && args[3] === 'as-is'))) {
  attach(args[0]!, args[1]!, args[2]!, args[3] === 'as-is');
} else if (command === 'who' && args.length === 0) {
  const hooks = attachWhoHooks(loadNative(), { hooks: builtFilter(WHO_OBJECT), seed: builtFilter(SEED_OBJECT) });
  stayAttached({ programFd: hooks.egressFd, close: () => hooks.close() });
} else if (command === 'read-cost' && args.length >= 2) {
  readCost(Number(args[0]), args.slice(1));
} else {
  process.stderr.write('usage: probe.js attach OBJECT PROGRAM IFACE [as-is] | who | read-cost SAMPLES IFACE...\n');
  process.exit(2);
}
