/**
 * Shared pieces of the demo world: the moment it describes, deterministic ids (so regenerating the
 * scenario gives the same file), and the people who commit to the repository.
 */
import { createHash } from 'node:crypto';

/** The moment every timestamp of the demo is written relative to (19:00 in Seoul). */
export const NOW = Date.parse('2026-08-24T10:00:00Z');

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** RFC 3339 in UTC without fractions, as the Kubernetes and Argo CD APIs write times. */
export const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A commit date the way git shows it for someone in Seoul. */
export function kst(t: number): string {
  const local = new Date(t + 9 * HOUR).toISOString().replace(/\.\d{3}Z$/, '');
  return `${local}+09:00`;
}

const digest = (key: string): string => createHash('sha256').update(`deckhand-demo/${key}`).digest('hex');

/** Hex digits derived from a key. */
export const hex = (key: string, n: number): string => {
  let out = '';
  for (let i = 0; out.length < n; i++) out += digest(`${key}#${i}`);
  return out.slice(0, n);
};

/** A version-4-shaped UUID derived from a key. */
export function uid(key: string): string {
  const h = hex(key, 32);
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

export function suffix(key: string, n: number): string {
  const h = hex(key, n * 2);
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[parseInt(h.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return out;
}

/** A number in [0, n) derived from a key, for jitter that stays put between runs. */
export const pick = (key: string, n: number): number => parseInt(hex(key, 8), 16) % n;

export const people = {
  sijun: 'Sijun Kim <sijun@sijunkim.dev>',
  jaehyun: 'Jaehyun Lee <jaehyun@flash-tickets.dev>',
  minji: 'Minji Park <minji@flash-tickets.dev>',
  ci: 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>',
} as const;

/** The Argo CD user names of the people who press Sync by hand. */
export const argoUsers = { sijun: 'sijunkim', jaehyun: 'jaehyun' } as const;

export const REPO_URL = 'https://github.com/sijunkim/infra';
export const CLUSTER_SERVER = 'https://kubernetes.default.svc';
