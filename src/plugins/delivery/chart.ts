/** Deployments and failures per week, as a PNG (the digest's chart renderer). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderStackedBars } from '../../core/chart/bars.ts';
import type { Attachment } from '../../core/message/model.ts';
import type { Week } from './recorder.ts';

const label = (t: number) => new Date(t).toISOString().slice(5, 10);

/** The chart written under `dir`, as an attachment; `name` makes its file name. */
export function weeklyChart(weeks: Week[], title: string, dir: string, name: string): Attachment {
  // The title is drawn at twice the font's size on a 640-pixel chart: about 50 characters fit.
  const png = renderStackedBars({
    title: title.length > 50 ? `${title.slice(0, 47)}...` : title,
    labels: weeks.map((w) => label(w.from)),
    series: [
      { label: 'deployed', color: [46, 160, 67] },
      { label: 'failed', color: [218, 54, 51] },
    ],
    values: weeks.map((w) => [Math.max(0, w.deployments - w.failures), Math.min(w.failures, w.deployments)]),
  });
  mkdirSync(dir, { recursive: true });
  // One file per scope and day, written over: asking again does not fill the disk.
  const file = `${name.replace(/[^a-z0-9-]+/gi, '-')}-${new Date().toISOString().slice(0, 10)}.png`;
  const path = join(dir, file);
  writeFileSync(path, png);
  return {
    filename: `${name.replace(/[^a-z0-9-]+/gi, '-')}-delivery.png`,
    contentType: 'image/png',
    path,
    title,
  };
}
