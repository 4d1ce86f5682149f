/**
 * What a failed write means: a reader gone (EPIPE) is a quiet end; any other
 * failure is said, with how many samples were not written and how much of a
 * cut one got out. Streams that fail when told, no real devices.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { Sampler } from '../../src/model/sampler.js';
import { counterRead } from '../../src/model/counter-read.js';
import { streamRenderer, wholeWrites } from '../../src/render/stream.js';
import { isReaderGone, Outputs } from '../../src/session/outputs.js';
import { stdoutReaderGone } from '../../src/session/reader-gone.js';
import type { Native } from '../../src/kernel/index.js';

const errno = (code: string, message = `write ${code}`, more: object = {}): Error => Object.assign(new Error(message), { code, ...more });

/** A stream whose writes succeed until fail() is called; then each write fails with that error. */
function failingStream() {
  let failure: Error | undefined;
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (failure) done(failure);
      else {
        written.push(chunk.toString());
        done();
      }
    },
  });
  return { stream, written, fail: (error: Error) => (failure = error) };
}

/** Let callbacks and error events run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const status = { interval: 1, demo: undefined, metricsUrl: undefined, interfaceStates: new Map() };

test('a reader gone: EPIPE, ECONNRESET, and EIO only from a terminal (a hang-up); nothing else', () => {
  assert.equal(isReaderGone(errno('EPIPE'), false), true);
  assert.equal(isReaderGone(errno('ECONNRESET'), false), true);
  assert.equal(isReaderGone(errno('EIO'), true), true);
  assert.equal(isReaderGone(errno('EIO'), false), false);
  assert.equal(isReaderGone(errno('ENOSPC'), false), false);
  assert.equal(isReaderGone(new Error('no code'), false), false);
});

test('ENOSPC after two samples: the failure handler gets "last 1 sample of 3 not written", exit code 10; EPIPE calls nobody', async () => {
  const out = failingStream();
  const outputs = new Outputs();
  outputs.watch('stdout', out.stream);
  const renderer = streamRenderer((snapshot) => `sample ${snapshot.sequence}\n`, out.stream);
  outputs.countSamples(renderer);
  const said: string[] = [];
  outputs.onFailure((error) => said.push(`${error.exitCode} ${error.message}`));
  const sampler = new Sampler(['a']);
  renderer.render(sampler.sample(counterRead([])), status);
  renderer.render(sampler.sample(counterRead([])), status);
  out.fail(errno('ENOSPC', 'ENOSPC: no space left on device, write'));
  renderer.render(sampler.sample(counterRead([])), status);
  await settle();
  assert.deepEqual(out.written, ['sample 1\n', 'sample 2\n']);
  assert.deepEqual(said, [`${ExitCode.output} cannot write to stdout (ENOSPC: no space left on device): last 1 sample of 3 not written`]);
  // A sample after the failure is not written either, and counted.
  renderer.render(sampler.sample(counterRead([])), status);
  assert.equal(outputs.stdoutFailure()?.message, 'cannot write to stdout (ENOSPC: no space left on device): last 2 samples of 4 not written');

  const piped = failingStream();
  const quiet = new Outputs();
  quiet.watch('stdout', piped.stream);
  quiet.onFailure(() => assert.fail('a reader gone is no failure'));
  piped.fail(errno('EPIPE'));
  piped.stream.write('x');
  await settle();
  assert.equal(quiet.stdoutFailure(), undefined);
});

test('a write cut short says how much of the sample got out; several lost: the first of them was cut', async () => {
  const out = failingStream();
  const outputs = new Outputs();
  outputs.watch('stdout', out.stream);
  const renderer = streamRenderer(() => 'x'.repeat(100), out.stream);
  outputs.countSamples(renderer);
  const sampler = new Sampler(['a']);
  renderer.render(sampler.sample(counterRead([])), status);
  out.fail(errno('EIO', 'EIO: i/o error, write', { bytesWritten: 40 }));
  // Three more: the first fails part-way, the two behind it are lost with it.
  for (let i = 0; i < 3; i++) renderer.render(sampler.sample(counterRead([])), status);
  await settle();
  assert.equal(outputs.stdoutFailure()?.message, 'cannot write to stdout (EIO: i/o error): last 3 samples of 4 not written (the first of them cut short after 40 of 100 bytes)');
});

test('stderr failing is remembered (the exit code says it) but does not end the run; stdout stays whole', async () => {
  const err = failingStream();
  const outputs = new Outputs();
  outputs.watch('stderr', err.stream);
  outputs.onFailure(() => assert.fail('stderr is not stdout'));
  err.fail(errno('ENOSPC'));
  err.stream.write('sockex: counting on lo\n');
  await settle();
  assert.equal(outputs.stderrFailed(), true);
  assert.equal(outputs.stdoutFailure(), undefined);
});

test('wholeWrites on /dev/full: ENOSPC with none of the chunk written', async () => {
  const fd = openSync('/dev/full', 'w');
  const stream = wholeWrites(fd);
  const error = await new Promise<unknown>((resolve) => {
    stream.on('error', () => undefined);
    stream.write('a sample\n', resolve);
  });
  closeSync(fd);
  assert.equal((error as { code?: string }).code, 'ENOSPC');
  assert.equal((error as { bytesWritten?: number }).bytesWritten, 0);
});

test('the reader watch ends the run for EPIPE, not for ENOSPC (that one is a failure to say)', async () => {
  for (const [code, ends] of [['ENOSPC', false], ['EPIPE', true]] as const) {
    const out = failingStream();
    out.stream.on('error', () => undefined);
    let gone = 0;
    const unsubscribe = stdoutReaderGone({} as Native, false, out.stream, -1)(() => (gone += 1));
    out.fail(errno(code));
    out.stream.write('x');
    await settle();
    unsubscribe();
    assert.equal(gone, ends ? 1 : 0, code);
  }
});
