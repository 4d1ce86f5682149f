/**
 * examples/sockex.service as the tests read it: a setting, the command's
 * words and the environment, so every test that runs sockex "as the unit
 * does" runs what the unit says.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ROOT } from './harness.js';

const unit = readFileSync(`${ROOT}examples/sockex.service`, 'utf8');

/** The value of a setting the unit must have (its first line). */
export function unitSetting(name: string): string {
  const match = new RegExp(`^${name}=(.*)$`, 'm').exec(unit);
  assert.ok(match?.[1], `examples/sockex.service sets ${name}`);
  return match[1].trim();
}

/** ExecStart's words: the program, then its arguments. */
export const unitCommand: readonly string[] = unitSetting('ExecStart').split(/\s+/);

/** Every Environment= assignment (NAME=value), as env(1) takes them. */
export const unitEnvironment: readonly string[] = [...unit.matchAll(/^Environment=(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
