/**
 * Fuzzing the command line in-process: hundreds of random argument vectors
 * through parseCli. Each one either gives options that hold every invariant
 * or a one-line usage error; never another kind of error, never a hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_INTERVAL, MIN_INTERVAL, parseCli, type Options } from '../../src/cli.js';
import { SockexError } from '../../src/errors.js';
import { invalidInterfaceName } from '../../src/kernel/links/interface-name.js';
import { randomArgv, seededRandom } from './random-argv.js';

const SEED = 0x50c4e7;
const RUNS = 400;

function checkOptions(options: Options, argv: string[]): void {
  const where = JSON.stringify(argv);
  assert.ok(options.interfaces.length > 0, `no interface for ${where}`);
  for (const name of options.interfaces) assert.ok(name === 'any' || invalidInterfaceName(name) === undefined, `bad interface ${name} for ${where}`);
  assert.ok(Number.isFinite(options.interval) && options.interval >= MIN_INTERVAL && options.interval <= MAX_INTERVAL, `interval ${options.interval} for ${where}`);
  if (options.count !== undefined) assert.ok(Number.isSafeInteger(options.count) && options.count >= 1, `count ${options.count} for ${where}`);
  assert.ok(options.command === 'count' || options.command === 'demo');
}

test(`${RUNS} random argument vectors: valid options or one usage line, nothing else`, async () => {
  const random = seededRandom(SEED);
  let valid = 0;
  let usage = 0;
  for (let run = 0; run < RUNS; run++) {
    const argv = randomArgv(random);
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`parseCli hung on ${JSON.stringify(argv)}`)), 2000);
    });
    try {
      const options = await Promise.race([parseCli(argv), hang]);
      assert.ok(options, `no options and no help for ${JSON.stringify(argv)}`);
      checkOptions(options, argv);
      valid += 1;
    } catch (err) {
      if (!(err instanceof SockexError)) throw new Error(`run ${run} ${JSON.stringify(argv)}: not a SockexError: ${String(err)}`, { cause: err });
      assert.equal(err.code, 'usage', `run ${run} ${JSON.stringify(argv)}`);
      assert.doesNotMatch(err.message, /\n/, `multi-line message for ${JSON.stringify(argv)}`);
      assert.ok(err.message.length > 0 && err.message.length < 400, `message length for ${JSON.stringify(argv)}`);
      usage += 1;
    } finally {
      clearTimeout(timer);
    }
  }
  // The generator must exercise both sides, or the test proves little.
  assert.ok(valid >= 20, `only ${valid} valid vectors`);
  assert.ok(usage >= 100, `only ${usage} usage errors`);
});

test('prototype keys as options change nothing they should not', async () => {
  for (const argv of [['--__proto__', 'x'], ['--constructor', 'x'], ['--__proto__.polluted', '1']]) {
    await assert.rejects(parseCli(argv), (err) => err instanceof SockexError && err.code === 'usage');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  }
});
