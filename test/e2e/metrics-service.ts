/**
 * sockex run as a metrics service runs it (the systemd unit, the DaemonSet's
 * container), serving on 127.0.0.1:9469 in a namespace, and scraped there.
 */
import type { TestContext } from 'node:test';
import { CLI, RunningSockex, waitFor, type NetNs } from './harness.js';
import { httpGet } from './http-get.js';

/**
 * The bundled bin with args, entered through `enter` (e.g. setpriv, to run as
 * nobody), stopped when the test ends; resolves once a scrape shows lo
 * counted (headless: the scrapes' own TCP on lo).
 */
export async function startService(t: TestContext, ns: NetNs, enter: string[], args: string[]): Promise<RunningSockex> {
  const [command = '', ...rest] = enter;
  const sockex = new RunningSockex(ns.spawn(command, [...rest, process.execPath, CLI, ...args, '--interval', '0.2']));
  t.after(() => void sockex.stop().catch(() => undefined));
  await scrapeUntil(ns, sockex, 'device="lo"', 15_000);
  return sockex;
}

/** Scrape until the text holds `want`; returns that text. */
export async function scrapeUntil(ns: NetNs, sockex: RunningSockex, want: string, timeoutMs: number): Promise<string> {
  let text = '';
  await waitFor(() => (text = httpGet(ns, 'http://127.0.0.1:9469/metrics') ?? '').includes(want), timeoutMs, () => `no ${want} in: ${text} ${sockex.stderr}`);
  return text;
}
