/**
 * Random command lines for fuzzing the CLI, from a seeded generator so any
 * failure can be replayed from its seed.
 */

/** xorshift32: small, fast, and the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const OPTIONS = [
  '--interface', '-i', '--interval', '-n', '--count', '-c', '--json', '--plain', '--quiet', '-q', '--no-tui',
  '--metrics', '--keep-privileges', '--object', '--verbose', '-v', 'demo', '--', '-', '---', '--no-json',
  '--json=false', '--interval=', '--count=2', '-n0.5', '-ic', '-qv', '--interface=lo', '--__proto__',
  '--constructor', '--no-interface', '--interval.x', '-c=1',
];

const VALUES = [
  '0', '-1', '1', '2', '0.5', '0.01', '86400', '86401', 'NaN', 'Infinity', '1e309', '0x10', '', ' ', 'lo', 'any',
  'eth0', 'a'.repeat(40), '\u0000', '\x1b[31mred', '\u{1F600}', '../etc', '=', 'true', 'false', '[]', '{}',
  '__proto__', 'constructor', '9'.repeat(30), '127.0.0.1:0', ':9100', '/dev/null', '-0', '1.5', '.5', '5.',
];

function junk(random: () => number): string {
  const length = Math.floor(random() * 12);
  let text = '';
  for (let i = 0; i < length; i++) {
    // Mostly printable ASCII, sometimes any code point below 0x3000.
    const code = random() < 0.85 ? 0x20 + Math.floor(random() * 95) : Math.floor(random() * 0x3000);
    text += String.fromCharCode(code);
  }
  return text;
}

/**
 * One argument vector of 0 to 8 tokens. helpAndVersion: whether -h/--help
 * and -V/--version may appear (they print, so in-process runs leave them out).
 */
export function randomArgv(random: () => number, helpAndVersion = false): string[] {
  const pool = helpAndVersion ? [...OPTIONS, '--help', '-h', '--version', '-V'] : OPTIONS;
  const length = Math.floor(random() * 9);
  const argv: string[] = [];
  for (let i = 0; i < length; i++) {
    const r = random();
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    argv.push(r < 0.5 ? pick(pool) : r < 0.85 ? pick(VALUES) : junk(random));
  }
  return argv;
}
