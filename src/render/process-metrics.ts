/**
 * The process metrics every Prometheus client library exports, under the
 * names and types its guidelines give (process_cpu_seconds_total,
 * process_resident_memory_bytes, process_open_fds, ...), so the dashboards
 * and alerts written for any exporter work on sockex too; and, only when
 * asked for (--runtime-metrics), a few of Node.js's own (heap, event-loop
 * delay, active resources). Read at each scrape from Node and /proc/self;
 * one that cannot be read is left out rather than failing the scrape.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { familyText, type MetricType } from './exposition.js';

type Sample = readonly [readonly (readonly [string, string])[], number | bigint];
interface Family {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** The samples now; undefined when they cannot be read. */
  readonly samples: () => readonly Sample[] | undefined;
}

/** A value without labels, or nothing when it cannot be read. */
function single(read: () => number | bigint | undefined): () => readonly Sample[] | undefined {
  return () => {
    try {
      const value = read();
      return value === undefined ? undefined : [[[], value]];
    } catch {
      return undefined;
    }
  };
}

/** /proc/self/stat's fields after the command name (which may hold spaces): field 3 (state) is [0]. */
function statFields(): string[] {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** A soft limit from /proc/self/limits ("unlimited" as the largest 64-bit value, as the Go client writes it). */
function softLimit(name: string): bigint | undefined {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const soft = line?.slice(name.length).trim().split(/\s+/)[0];
  if (soft === undefined) return undefined;
  return soft === 'unlimited' ? 2n ** 64n - 1n : BigInt(soft);
}

const PROCESS_FAMILIES: readonly Family[] = [
  {
    name: 'process_cpu_seconds_total',
    type: 'counter',
    help: 'Total user and system CPU time spent in seconds.',
    samples: single(() => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    }),
  },
  { name: 'process_open_fds', type: 'gauge', help: 'Number of open file descriptors.', samples: single(() => readdirSync('/proc/self/fd').length - 1) },
  { name: 'process_max_fds', type: 'gauge', help: 'Maximum number of open file descriptors.', samples: single(() => softLimit('Max open files')) },
  { name: 'process_virtual_memory_bytes', type: 'gauge', help: 'Virtual memory size in bytes.', samples: single(() => Number(statFields()[20])) },
  {
    name: 'process_virtual_memory_max_bytes',
    type: 'gauge',
    help: 'Maximum amount of virtual memory available in bytes.',
    samples: single(() => softLimit('Max address space')),
  },
  { name: 'process_resident_memory_bytes', type: 'gauge', help: 'Resident memory size in bytes.', samples: single(() => process.memoryUsage.rss()) },
  {
    name: 'process_start_time_seconds',
    type: 'gauge',
    help: 'Start time of the process since unix epoch in seconds.',
    samples: single(() => Math.round(performance.timeOrigin) / 1000),
  },
  { name: 'process_threads', type: 'gauge', help: 'Number of OS threads in the process.', samples: single(() => Number(statFields()[17])) },
];

/**
 * The event-loop delay's sampling period. Every period a timer wakes the
 * process: at 10 ms (Node's default) an idle sockex would wake 100 times a
 * second, dearer than its own work; at 1 s the figures still show stalls.
 */
const EVENT_LOOP_RESOLUTION_MS = 1000;

function runtimeFamilies(delay: ReturnType<typeof monitorEventLoopDelay>): Family[] {
  const memory = (field: 'heapTotal' | 'heapUsed' | 'external'): (() => number) => () => process.memoryUsage()[field];
  /**
   * Event-loop delay since the last scrape (the histogram starts again after
   * each), in seconds; nothing before a timer fired. The histogram holds the
   * time between the timer's runs: the lag is what exceeds its period.
   */
  const delayOf = (read: () => number): (() => number | undefined) => () =>
    delay.count === 0 ? undefined : Math.max(0, read() / 1e9 - EVENT_LOOP_RESOLUTION_MS / 1000);
  const [major, minor, patch] = process.versions.node.split('.');
  return [
    {
      name: 'nodejs_version_info',
      type: 'gauge',
      help: 'Node.js version info.',
      samples: () => [[[['version', process.version], ['major', major ?? ''], ['minor', minor ?? ''], ['patch', patch ?? '']], 1]],
    },
    { name: 'nodejs_heap_size_total_bytes', type: 'gauge', help: 'Process heap size from Node.js in bytes.', samples: single(memory('heapTotal')) },
    { name: 'nodejs_heap_size_used_bytes', type: 'gauge', help: 'Process heap size used from Node.js in bytes.', samples: single(memory('heapUsed')) },
    { name: 'nodejs_external_memory_bytes', type: 'gauge', help: 'Node.js external memory size in bytes.', samples: single(memory('external')) },
    { name: 'nodejs_eventloop_lag_mean_seconds', type: 'gauge', help: 'The mean of the recorded event loop delays.', samples: single(delayOf(() => delay.mean)) },
    { name: 'nodejs_eventloop_lag_p99_seconds', type: 'gauge', help: 'The 99th percentile of the recorded event loop delays.', samples: single(delayOf(() => delay.percentile(99))) },
    { name: 'nodejs_eventloop_lag_max_seconds', type: 'gauge', help: 'The maximum recorded event loop delay.', samples: single(delayOf(() => delay.max)) },
    {
      name: 'nodejs_active_resources',
      type: 'gauge',
      help: 'Number of active resources keeping the event loop alive, by type.',
      samples: () => {
        const counts = new Map<string, number>();
        for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
        return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([type, n]): Sample => [[['type', type]], n]);
      },
    },
  ];
}

export interface ProcessMetrics {
  /** The families' text, separated by blank lines, without a trailing newline. */
  text(): string;
  close(): void;
}

/** The process metrics, and with runtime the Node.js ones. */
export function processMetrics(runtime: boolean): ProcessMetrics {
  const delay = runtime ? monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS }) : undefined;
  delay?.enable();
  const families = delay ? [...PROCESS_FAMILIES, ...runtimeFamilies(delay)] : PROCESS_FAMILIES;
  return {
    text() {
      const texts: string[] = [];
      for (const f of families) {
        const samples = f.samples();
        if (samples) texts.push(familyText(f.name, f.type, f.help, samples));
      }
      delay?.reset();
      return texts.join('\n\n');
    },
    close() {
      delay?.disable();
    },
  };
}
