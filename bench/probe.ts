/**
 * The benchmark's agent inside a network namespace (run under `ip netns
 * exec`): it loads and attaches filters with sockex's own loader, so what is
 * measured is what users run.
 *
 *   probe.js attach OBJECT PROGRAM IFACE
 *     load OBJECT, attach PROGRAM to IFACE, print {"progId":N}, stay
 *     attached until stdin closes, then detach and exit.
 *   probe.js read-cost SAMPLES IFACE...
 *     attach sockex's filter to every IFACE, take SAMPLES samples the way
 *     main.ts does, print the median cost of one sample as JSON.
 */
import { readFileSync } from 'node:fs';
import { loadObject } from '../src/kernel/bpf-object.js';
import { attachFilter, type AttachedFilter } from '../src/kernel/filter.js';
import { loadNative } from '../src/kernel/native.js';
import { openFilteredSocket } from '../src/kernel/packet-socket.js';
import { Sampler } from '../src/model/sampler.js';
import { median } from './stats.js';

/** The kernel's id of a loaded program, from the fd's /proc entry. */
function programId(fd: number): number {
  const match = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  if (!match?.[1]) throw new Error(`no prog_id in /proc/self/fdinfo/${fd}`);
  return Number(match[1]);
}

function attach(objectPath: string, program: string, iface: string): void {
  const native = loadNative();
  const object = loadObject(objectPath, program, native);
  const socket = openFilteredSocket(native.libc.ifNameToIndex(iface), iface, object.programFd, native);
  const detach = (): void => {
    socket.close();
    object.close();
    process.exit(0);
  };
  process.stdin.on('end', detach);
  process.stdin.on('close', detach);
  process.on('SIGTERM', detach);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ progId: programId(object.programFd) })}\n`);
}

function readCost(samples: number, interfaces: string[]): void {
  const native = loadNative();
  const filters: AttachedFilter[] = [];
  try {
    for (const name of interfaces) filters.push(attachFilter(name, { native }));
    const sampler = new Sampler(interfaces);
    const times: number[] = [];
    let syscalls = 0;
    let bytes = 0;
    for (let i = 0; i < samples; i++) {
      const start = process.hrtime.bigint();
      sampler.sample(filters.flatMap((f) => f.read()));
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      syscalls = filters.reduce((sum, f) => sum + f.lastReadCost.syscalls, 0);
      bytes = filters.reduce((sum, f) => sum + f.lastReadCost.bytes, 0);
    }
    const cpus = native.libbpf.numPossibleCpus();
    process.stdout.write(`${JSON.stringify({ interfaces: interfaces.length, cpus, syscalls, bytes, ms: median(times) })}\n`);
  } finally {
    for (const f of filters.reverse()) f.close();
  }
}

const [command, ...args] = process.argv.slice(2);
if (command === 'attach' && args.length === 3) {
  attach(args[0]!, args[1]!, args[2]!);
} else if (command === 'read-cost' && args.length >= 2) {
  readCost(Number(args[0]), args.slice(1));
} else {
  process.stderr.write('usage: probe.js attach OBJECT PROGRAM IFACE | read-cost SAMPLES IFACE...\n');
  process.exit(2);
}
