/**
 * One way for a test to own a temporary directory, removed by vitest whatever the outcome:
 * - called inside a test, it is made at once and removed when that test finishes
 *   (`onTestFinished`);
 * - called at collection time (a file's top level or a `describe` body), its name is fixed at once
 *   and it is made before the suite's first hook (`beforeAll`) and removed after its last
 *   (`afterAll`) — and never made when every test of the suite is skipped or filtered out.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, onTestFinished } from 'vitest';

export function tempDir(prefix = 'deckhand-test-'): string {
  let inTest = true;
  try {
    onTestFinished(() => {});
  } catch {
    inTest = false;
  }
  if (inTest) {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }
  const dir = join(tmpdir(), `${prefix}${randomBytes(6).toString('hex')}`);
  beforeAll(() => {
    mkdirSync(dir, { mode: 0o700 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
