/**
 * Human-readable amounts and rates: 1.2 MiB, 9.6 Mbit/s, 3.4 kpps. Exact
 * mode prints every digit (grouped in threes) so nothing is rounded away.
 */

type Quantity = 'bytes' | 'bits';
/** IEC: powers of 1024 (KiB, MiB); SI: powers of 1000 (kB, MB). */
type Prefixes = 'iec' | 'si';

export interface UnitMode {
  readonly quantity: Quantity;
  readonly prefixes: Prefixes;
}

/** The order the `u` key cycles through; the first is the default. */
export const UNIT_MODES: readonly UnitMode[] = [
  { quantity: 'bytes', prefixes: 'iec' },
  { quantity: 'bytes', prefixes: 'si' },
  { quantity: 'bits', prefixes: 'si' },
  { quantity: 'bits', prefixes: 'iec' },
];

const iecPrefixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi'];
const siPrefixes = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z'];

export function unitModeLabel(mode: UnitMode): string {
  return `${mode.quantity} ${mode.prefixes.toUpperCase()}`;
}

/** Digits grouped in threes with commas: 1,234,567. */
export function groupDigits(value: bigint | number): string {
  const digits = (typeof value === 'bigint' ? value : BigInt(Math.round(value))).toString();
  const negative = digits.startsWith('-');
  const body = negative ? digits.slice(1) : digits;
  const grouped = body.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return negative ? `-${grouped}` : grouped;
}

/**
 * A value scaled to the largest prefix that keeps it at 1 or more: three
 * significant figures at most (1.2, 12.3, 123), whole numbers stay whole.
 */
function scaleNumber(value: number, base: number, prefixes: readonly string[]): { text: string; prefix: string } {
  let exponent = 0;
  let scaled = value;
  while (Math.abs(scaled) >= base && exponent < prefixes.length - 1) {
    scaled /= base;
    exponent += 1;
  }
  let text = formatScaled(scaled, exponent === 0);
  // 1023.96 KiB would round to "1024 KiB": show it as 1.0 MiB instead.
  if (Number(text) >= base && exponent < prefixes.length - 1) {
    scaled /= base;
    exponent += 1;
    text = formatScaled(scaled, false);
  }
  return { text, prefix: prefixes[exponent] ?? '' };
}

function formatScaled(value: number, unscaled: boolean): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  // Below a kilo a tenth matters only under 10 (0.5 pps); 32.0004 pps is just 32.
  if (unscaled && (Number.isInteger(value) || abs >= 9.95)) return value.toFixed(0);
  // 99.96 would print as "100.0": past 99.95 the tenths are noise.
  return abs >= 99.95 ? value.toFixed(0) : value.toFixed(1);
}

function unitOf(mode: UnitMode): { base: number; prefixes: readonly string[]; unit: string } {
  return {
    base: mode.prefixes === 'iec' ? 1024 : 1000,
    prefixes: mode.prefixes === 'iec' ? iecPrefixes : siPrefixes,
    unit: mode.quantity === 'bits' ? 'bit' : 'B',
  };
}

/** A byte count in the chosen units: "1.2 MiB", "9.6 Mbit", exact "1,234,567 B". */
export function formatAmount(bytes: bigint, mode: UnitMode, exact: boolean): string {
  const value = mode.quantity === 'bits' ? bytes * 8n : bytes;
  const { base, prefixes, unit } = unitOf(mode);
  if (exact) return `${groupDigits(value)} ${unit}`;
  const { text, prefix } = scaleNumber(Number(value), base, prefixes);
  return `${text} ${prefix}${unit}`;
}

/** A byte rate in the chosen units: "1.2 MiB/s", "9.6 Mbit/s", exact "1,234 B/s". */
export function formatRate(bytesPerSecond: number, mode: UnitMode, exact: boolean): string {
  const value = mode.quantity === 'bits' ? bytesPerSecond * 8 : bytesPerSecond;
  const { base, prefixes, unit } = unitOf(mode);
  if (exact) return `${groupDigits(value)} ${unit}/s`;
  const { text, prefix } = scaleNumber(value, base, prefixes);
  return `${text} ${prefix}${unit}/s`;
}

/** A packet count, always SI (packets are counted, not stored): "3.4 k", exact "3,412". */
export function formatCount(count: bigint, exact: boolean): string {
  if (exact) return groupDigits(count);
  const { text, prefix } = scaleNumber(Number(count), 1000, siPrefixes);
  return prefix === '' ? text : `${text} ${prefix}`;
}

/** Packets per second: "3.4 kpps", exact "3,412 pps". */
export function formatPacketRate(packetsPerSecond: number, exact: boolean): string {
  if (exact) return `${groupDigits(packetsPerSecond)} pps`;
  const { text, prefix } = scaleNumber(packetsPerSecond, 1000, siPrefixes);
  return `${text} ${prefix}pps`;
}

/** Seconds as H:MM:SS (the hours grow as needed). */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** An interval in seconds without noise: "1 s", "0.25 s". */
export function formatInterval(seconds: number): string {
  return `${Number(seconds.toFixed(3))} s`;
}
