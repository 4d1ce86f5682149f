/**
 * flushed(): resolves once every earlier write reached the other side, or
 * the stream failed; a stream whose writes complete by hand, no real time.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { counterRead } from '../../src/model/counter-read.js';
import { Sampler } from '../../src/model/sampler.js';
import { flushed, streamRenderer } from '../../src/render/stream.js';

/** A writable whose writes complete only when complete() is called (a reader that reads when told). */
function slowReader() {
  const pending: Array<(error?: Error) => void> = [];
  const received: string[] = [];
  const stream = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _encoding, callback) {
      pending.push((error) => {
        if (!error) received.push(chunk.toString());
        callback(error);
      });
    },
  });
  stream.on('error', () => undefined);
  return {
    stream,
    received,
    complete: () => pending.shift()?.(),
    fail: () => pending.shift()?.(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })),
  };
}

async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

test('flushed() resolves only after every line written before it reached the reader', async () => {
  const reader = slowReader();
  const render = streamRenderer((snapshot) => `line ${snapshot.sequence}\n`, reader.stream);
  const status = { interval: 1, demo: undefined };
  const sampler = new Sampler(['a']);
  for (let i = 0; i < 3; i++) render.render(sampler.sample(counterRead([])), status);
  const flush = flushed(reader.stream);
  reader.complete();
  reader.complete();
  assert.equal(await settled(flush), false, 'one line still queued');
  reader.complete();
  reader.complete();
  assert.equal(await settled(flush), true);
  // The empty write that marks the end reaches the stream too, and carries nothing.
  assert.deepEqual(reader.received, ['line 1\n', 'line 2\n', 'line 3\n', '']);
});

test('flushed() resolves when the reader is gone (EPIPE), and at once on a destroyed stream', async () => {
  const reader = slowReader();
  reader.stream.write('queued\n');
  const flush = flushed(reader.stream);
  reader.fail();
  assert.equal(await settled(flush), true);
  assert.equal(reader.stream.destroyed, true);
  assert.equal(await settled(flushed(reader.stream)), true);
});
