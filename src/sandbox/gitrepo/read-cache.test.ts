import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/temp.ts';
import { BareRepo } from './git.ts';
import { cachedGit, forgetRepo, type Outcome } from './read-cache.ts';

const SHA = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

/** A git stand-in that counts its runs and answers what it is told to. */
function counter(answer: () => Outcome = () => ({ ok: true, stdout: 'x\n' })) {
  const c = { runs: 0, exec: () => (c.runs++, Promise.resolve(answer())) };
  return c;
}

const fail = (exitCode: number): Outcome => ({
  ok: false,
  stdout: '',
  stderr: 'no',
  exitCode,
  message: 'no',
});

describe('git read cache (policy)', () => {
  it('answers a read of objects by sha from memory, across ref writes', async () => {
    const dir = `/policy-${Math.random()}`;
    const g = counter();
    await cachedGit(dir, ['cat-file', 'commit', SHA], {}, g.exec);
    await cachedGit(dir, ['update-ref', 'refs/heads/x', SHA], {}, () =>
      Promise.resolve({ ok: true, stdout: '' }),
    );
    await cachedGit(dir, ['cat-file', 'commit', SHA], {}, g.exec);
    await cachedGit(dir, ['diff', SHA, OTHER, '--', 'any/path'], {}, g.exec);
    await cachedGit(dir, ['diff', SHA, OTHER, '--', 'any/path'], {}, g.exec);
    expect(g.runs).toBe(2);
    forgetRepo(dir);
  });

  it('asks again for a read through refs once a ref moved, and not before', async () => {
    const dir = `/policy-${Math.random()}`;
    const g = counter();
    const list = () => cachedGit(dir, ['for-each-ref', 'refs/heads'], {}, g.exec);
    await list();
    await list();
    await cachedGit(dir, ['log', '-1', 'refs/heads/master'], {}, g.exec);
    expect(g.runs).toBe(2);
    // Objects written (a blob, a commit) move no ref.
    await cachedGit(dir, ['hash-object', '-w', '--stdin'], { input: 'x' }, () =>
      Promise.resolve({ ok: true, stdout: SHA }),
    );
    await list();
    expect(g.runs).toBe(2);
    await cachedGit(dir, ['update-ref', 'refs/heads/x', SHA], {}, () =>
      Promise.resolve({ ok: true, stdout: '' }),
    );
    await list();
    expect(g.runs).toBe(3);
    forgetRepo(dir);
  });

  it('does not keep a read that overlapped a ref write', async () => {
    const dir = `/policy-${Math.random()}`;
    let release!: () => void;
    const slow = () => new Promise<Outcome>((r) => (release = () => r({ ok: true, stdout: 'old\n' })));
    const reading = cachedGit(dir, ['for-each-ref'], {}, slow);
    await cachedGit(dir, ['update-ref', 'refs/heads/x', SHA], {}, () =>
      Promise.resolve({ ok: true, stdout: '' }),
    );
    release();
    expect(await reading).toEqual({ ok: true, stdout: 'old\n' });
    const g = counter(() => ({ ok: true, stdout: 'new\n' }));
    expect(await cachedGit(dir, ['for-each-ref'], {}, g.exec)).toEqual({ ok: true, stdout: 'new\n' });
    forgetRepo(dir);
  });

  it('keeps no failure that a later write could change, and keeps the answers that are answers', async () => {
    const dir = `/policy-${Math.random()}`;
    const missing = counter(() => fail(128));
    await cachedGit(dir, ['rev-parse', '--verify', `${SHA}^{commit}`], {}, missing.exec);
    await cachedGit(dir, ['rev-parse', '--verify', `${SHA}^{commit}`], {}, missing.exec);
    expect(missing.runs).toBe(2);
    const batch = counter(() => ({ ok: true, stdout: `${SHA} missing\n` }));
    await cachedGit(dir, ['cat-file', '--batch-check'], { input: `${SHA}\n` }, batch.exec);
    await cachedGit(dir, ['cat-file', '--batch-check'], { input: `${SHA}\n` }, batch.exec);
    expect(batch.runs).toBe(2);
    const notAncestor = counter(() => fail(1));
    await cachedGit(dir, ['merge-base', '--is-ancestor', SHA, OTHER], {}, notAncestor.exec);
    await cachedGit(dir, ['merge-base', '--is-ancestor', SHA, OTHER], {}, notAncestor.exec);
    expect(notAncestor.runs).toBe(1);
    forgetRepo(dir);
  });

  it('keeps nothing named by a short sha (a later object can make it ambiguous)', async () => {
    const dir = `/policy-${Math.random()}`;
    const g = counter();
    await cachedGit(dir, ['cat-file', '-t', 'abcd123'], {}, g.exec);
    await cachedGit(dir, ['cat-file', '-t', 'abcd123'], {}, g.exec);
    await cachedGit(dir, ['cat-file', '--batch-check'], { input: 'abcd\n' }, g.exec);
    await cachedGit(dir, ['cat-file', '--batch-check'], { input: 'abcd\n' }, g.exec);
    expect(g.runs).toBe(4);
    forgetRepo(dir);
  });

  it('takes a read that names no revision, or walks refs by option, as a read through refs', async () => {
    const dir = `/policy-${Math.random()}`;
    const g = counter();
    await cachedGit(dir, ['rev-parse', '--all'], {}, g.exec);
    await cachedGit(dir, ['log', '--format=%H'], {}, g.exec);
    await cachedGit(dir, ['update-ref', 'refs/heads/x', SHA], {}, () =>
      Promise.resolve({ ok: true, stdout: '' }),
    );
    await cachedGit(dir, ['rev-parse', '--all'], {}, g.exec);
    await cachedGit(dir, ['log', '--format=%H'], {}, g.exec);
    expect(g.runs).toBe(4);
    forgetRepo(dir);
  });

  it('runs a command with its own environment (an index file, commit dates) every time', async () => {
    const dir = `/policy-${Math.random()}`;
    const g = counter();
    await cachedGit(dir, ['ls-tree', SHA], { env: { GIT_INDEX_FILE: '/x' } }, g.exec);
    await cachedGit(dir, ['ls-tree', SHA], { env: { GIT_INDEX_FILE: '/x' } }, g.exec);
    expect(g.runs).toBe(2);
    forgetRepo(dir);
  });
});

describe('git read cache (a real repository)', () => {
  it('sees every branch move, and a commit written after it was asked for', async () => {
    const repo = new BareRepo(tempDir('deckhand-readcache-'));
    await repo.init();
    const who = { name: 'a', email: 'a@example.com', date: '2026-01-01T00:00:00Z' };
    const tree = await repo.writeTree(undefined, [{ path: 'f', sha: await repo.writeBlob('one\n') }]);
    const first = await repo.commitTree(tree, [], 'one', who);
    expect(await repo.branches()).toEqual(new Map());
    await repo.updateRef('refs/heads/master', first);
    expect(await repo.branches()).toEqual(new Map([['master', first]]));
    expect(await repo.resolve('master')).toBe(first);

    const tree2 = await repo.writeTree(first, [{ path: 'f', sha: await repo.writeBlob('two\n') }]);
    const second = await repo.commitTree(tree2, [first], 'two', { ...who, date: '2026-01-02T00:00:00Z' });
    await repo.updateRef('refs/heads/master', second, first);
    expect(await repo.resolve('master')).toBe(second);
    expect(await repo.log('master')).toEqual([second, first]);
    expect((await repo.snapshot('master')).get('f')).toBe('two\n');
    expect((await repo.snapshot(first)).get('f')).toBe('one\n');
    await repo.deleteRef('refs/heads/master');
    expect(await repo.resolve('master')).toBeUndefined();
    expect(await repo.branches()).toEqual(new Map());
  });

  it('sees a branch that another process moved (a git push into the directory)', async () => {
    const repo = new BareRepo(tempDir('deckhand-readcache-'));
    await repo.init();
    const who = { name: 'a', email: 'a@example.com', date: '2026-01-01T00:00:00Z' };
    const tree = await repo.writeTree(undefined, [{ path: 'f', sha: await repo.writeBlob('one\n') }]);
    const first = await repo.commitTree(tree, [], 'one', who);
    const second = await repo.commitTree(tree, [first], 'two', who);
    await repo.updateRef('refs/heads/main', first);
    await repo.updateRef('refs/heads/feature/x', first);
    expect((await repo.branches()).get('feature/x')).toBe(first);
    // Not through git() of this process: the cache cannot have heard of it.
    execFileSync('git', ['update-ref', 'refs/heads/feature/x', second], {
      env: { ...process.env, GIT_DIR: repo.dir },
    });
    expect((await repo.branches()).get('feature/x')).toBe(second);
    expect(await repo.resolve('feature/x')).toBe(second);
  });

  it('gives a blob asked for by a short or full sha', async () => {
    const repo = new BareRepo(tempDir('deckhand-readcache-'));
    await repo.init();
    const sha = await repo.writeBlob('hello\n');
    expect((await repo.blob(sha))?.toString()).toBe('hello\n');
    expect((await repo.blob(sha.slice(0, 7)))?.toString()).toBe('hello\n');
    const tree = await repo.writeTree(undefined, [{ path: 'f', sha }]);
    expect(await repo.blob(tree)).toBeUndefined(); // a tree is not a blob
    expect(await repo.blob('0'.repeat(40))).toBeUndefined();
  });
});
