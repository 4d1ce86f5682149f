/**
 * Snapshots as Prometheus metrics: sockex's protocol families
 * (protocol-series.ts), with --by the breakdown families (breakdown-series.ts),
 * sockex_build_info, and the process metrics (process-metrics.ts). Values are
 * those of the latest snapshot handed to render(), so a scrape costs no
 * kernel read and sees exactly what the other outputs saw.
 *
 * All of it is written by sockex itself (exposition.ts), no client library:
 * measured at 2,000 interfaces (bench/exposition.ts), prom-client took
 * 118-200 ms per scrape, since it escapes every label of every series again
 * each time, against 0.1-1 ms for text kept per device when little changed.
 */
import type { BreakdownBy } from '../model/breakdown.js';
import { isOwnerKind } from '../model/owners.js';
import { DEFAULT_MAX_SERIES, DEFAULT_SERIES_IDLE_SECONDS, type SeriesBudgetOptions } from '../model/series-budget.js';
import type { Snapshot } from '../model/snapshot.js';
import { BreakdownSeries } from './breakdown-series.js';
import { CONTENT_TYPE, Pieces, familyText } from './exposition.js';
import { processMetrics, type ProcessMetrics } from './process-metrics.js';
import { ProtocolSeries } from './protocol-series.js';
import type { Renderer } from './renderer.js';

const BUILD_INFO_METRIC = 'sockex_build_info';
const OWNERS_LOST_METRIC = 'sockex_owners_lost_total';
const OWNERS_LOST_HELP =
  'Inserts into an owner table that found it full since start, not distinct flows or ports: table="flows" a flow tries both its entries (under its network namespace and under none) ' +
  'at each frame it sends until recorded; table="bound" a socket tries its port as it binds. The frames of what was not recorded count as owner "none". ' +
  'The sizes are fixed at build (65536 flow entries: 32768 flows; 16384 ports; bpf/owner.h): flows idle for 60 s are deleted, a port when its socket closes.';

export interface PrometheusOptions {
  /** The sockex version, for sockex_build_info. */
  version: string;
  /** Add the process metrics (default true; off in unit tests, whose output they would make vary). */
  processMetrics?: boolean;
  /** Add Node.js's runtime metrics (--runtime-metrics; default false). */
  runtimeMetrics?: boolean;
  /** --by: export the breakdown too, with these labels (never by default). */
  by?: readonly BreakdownBy[];
  /** The breakdown's series budget (--max-series, --series-idle; their defaults unless given). */
  budget?: SeriesBudgetOptions;
}

export interface PrometheusRenderer extends Renderer {
  /** The exposition text of the latest snapshot in the parts the renderers keep (joined, they are metrics()). */
  exposition(): Promise<string[]>;
  /** The same text in one string. */
  metrics(): Promise<string>;
  /** The Content-Type to serve metrics() with. */
  readonly contentType: string;
}

export function createPrometheusRenderer(options: PrometheusOptions): PrometheusRenderer {
  let latest: Snapshot | undefined;
  let protocols = new ProtocolSeries();
  const budget = options.budget ?? { maxSeries: DEFAULT_MAX_SERIES, idleSeconds: DEFAULT_SERIES_IDLE_SECONDS };
  const breakdown = options.by && options.by.length > 0 ? new BreakdownSeries(options.by, budget) : undefined;
  const ownersCounted = options.by?.some(isOwnerKind) ?? false;
  const processFamilies: ProcessMetrics | undefined = (options.processMetrics ?? true) ? processMetrics(options.runtimeMetrics ?? false) : undefined;
  const buildInfo = familyText(BUILD_INFO_METRIC, 'gauge', 'Always 1; the version label says which sockex is running.', [[[['version', options.version]], 1]]);
  // Families are separated by a blank line; the text ends with a newline.
  const exposition = async (): Promise<string[]> => {
    const out = new Pieces();
    protocols.write(out, latest);
    out.add(`\n\n${buildInfo}\n`);
    if (breakdown) {
      out.add('\n');
      breakdown.write(out);
      out.add('\n');
    }
    if (ownersCounted) out.add(`\n${ownersLostFamily(latest)}\n`);
    if (processFamilies) out.add(`\n${processFamilies.text()}\n`);
    return out.end();
  };

  return {
    render(snapshot) {
      latest = snapshot;
      breakdown?.render(snapshot);
    },
    exposition,
    metrics: async () => (await exposition()).join(''),
    contentType: CONTENT_TYPE,
    close() {
      latest = undefined;
      protocols = new ProtocolSeries();
      processFamilies?.close();
    },
  };
}

/** --by process/user/cgroup: the owners_lost table, 0 until a table is full. */
function ownersLostFamily(snapshot: Snapshot | undefined): string {
  const lost = snapshot?.breakdown?.ownersLost;
  return familyText(OWNERS_LOST_METRIC, 'counter', OWNERS_LOST_HELP, [
    [[['table', 'flows']], lost?.flows ?? 0],
    [[['table', 'bound']], lost?.bound ?? 0],
  ]);
}
