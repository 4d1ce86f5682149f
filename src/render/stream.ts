/**
 * Line-oriented renderers (the sample's lines, JSON) writing to a stream.
 */
import type { Snapshot } from '../model/snapshot.js';
import type { Renderer } from './renderer.js';

export function streamRenderer(format: (snapshot: Snapshot) => string, out: NodeJS.WritableStream): Renderer {
  return {
    render(snapshot) {
      out.write(format(snapshot));
    },
    close() {},
  };
}
