/**
 * Logs a story gives by container rather than by pod: each is written as one start of the app, and
 * every container that ran gets a copy with its timestamps moved to when that run started — what
 * `kubectl logs` shows for it, and with `--previous` for the run before.
 */
import { shiftLogTimes } from '../world.ts';
import { besideStory } from './files.ts';
import { startLog } from './logs.ts';
import type { StoryInput, StoryLogText } from './schema.ts';
import type { Any, StoryWorld } from './world.ts';

interface Texts {
  current: string;
  previous?: string;
}

const FIRST_STAMP = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,3})?\d*Z/;

/** The text with its first timestamp at `at` and the others as far from it as they were. */
export function retime(text: string, at: number): string {
  const first = FIRST_STAMP.exec(text);
  return first ? shiftLogTimes(text, at - Date.parse(`${first[1]}${first[2] ?? ''}Z`)) : text;
}

/** The story's logs by container, files read and start-ups written out. */
export function storyLogs(story: StoryInput, base: string | undefined): Map<string, Texts> {
  const text = (key: string, l: StoryLogText, where: string): string => {
    if (typeof l === 'object' && 'file' in l) return besideStory(base, l.file, where);
    return startLog(l, key.split('/').at(-1) as string);
  };
  return new Map(
    Object.entries(story.logs).map(([key, l]) => {
      const both = typeof l === 'object' && 'current' in l ? l : { current: l };
      const where = `logs.${key}`;
      return [
        key,
        {
          current: text(key, both.current, where),
          ...(both.previous === undefined ? {} : { previous: text(key, both.previous, where) }),
        },
      ];
    }),
  );
}

/** Logs for every container that ran and has none yet: its own run's, and the one before when it restarted. */
export function containerLogs(w: StoryWorld, logs: Map<string, Texts>): void {
  if (!logs.size) return;
  for (const pod of w.objects.filter((o) => o.kind === 'Pod')) {
    const ns = pod.metadata.namespace as string;
    for (const s of (pod.status?.containerStatuses ?? []) as Any[]) {
      const key = `${ns}/${pod.metadata.name}/${s.name}`;
      const texts = logs.get(`${ns}/${s.name}`) ?? logs.get(s.name);
      if (!texts || w.logs[key] !== undefined) continue;
      const ended = s.lastState?.terminated;
      // A crash-looping container shows its last run; a running one its current run.
      const run = s.state?.running?.startedAt ?? ended?.startedAt;
      if (!run) continue;
      w.logs[key] = retime(texts.current, Date.parse(run));
      if (!ended) continue;
      // Before a crash loop's last run: the run before it, and the kubelet's back-off (5m at most) between.
      const length = Date.parse(ended.finishedAt) - Date.parse(ended.startedAt);
      const before = s.state?.running
        ? Date.parse(ended.startedAt)
        : s.restartCount > 1
          ? Date.parse(ended.startedAt) - length - 300_000
          : undefined;
      if (before !== undefined) w.logs[`${key}#previous`] = retime(texts.previous ?? texts.current, before);
    }
  }
}
