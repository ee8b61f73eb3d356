/**
 * A stacked bar chart (one bar per day, one colour per state) rendered to PNG: each team's
 * health over the last days, for digests.
 */
import { drawText, textWidth } from './font.ts';
import { Canvas, type Rgb } from './png.ts';

export interface Series {
  label: string;
  color: Rgb;
}

export interface StackedBars {
  title: string;
  /** One label per bar (e.g. "MON 11-23"). */
  labels: string[];
  series: Series[];
  /** values[bar][series]. */
  values: number[][];
}

const ink: Rgb = [40, 44, 52];
const grid: Rgb = [225, 228, 232];

export function renderStackedBars(chart: StackedBars, width = 640, height = 320): Buffer {
  const c = new Canvas(width, height);
  const pad = { left: 40, right: 16, top: 34, bottom: 44 };
  drawText(c, pad.left, 10, chart.title, ink, 2);
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...chart.values.map((v) => v.reduce((a, b) => a + b, 0)));
  const step = Math.max(1, Math.ceil(max / 4));
  for (let v = 0; v <= max; v += step) {
    const y = pad.top + plotH - (v / max) * plotH;
    c.hline(pad.left, y, plotW, grid);
    drawText(c, pad.left - textWidth(String(v)) - 4, y - 3, String(v), ink);
  }
  const n = Math.max(1, chart.labels.length);
  const slot = plotW / n;
  const barW = Math.max(4, slot * 0.6);
  chart.labels.forEach((label, i) => {
    const x = pad.left + i * slot + (slot - barW) / 2;
    let y = pad.top + plotH;
    chart.series.forEach((s, j) => {
      const h = ((chart.values[i]?.[j] ?? 0) / max) * plotH;
      c.fillRect(x, y - h, barW, h, s.color);
      y -= h;
    });
    drawText(c, x + barW / 2 - textWidth(label) / 2, pad.top + plotH + 6, label, ink);
  });
  let lx = pad.left;
  for (const s of chart.series) {
    c.fillRect(lx, height - 14, 8, 8, s.color);
    drawText(c, lx + 12, height - 13, s.label, ink);
    lx += 12 + textWidth(s.label) + 16;
  }
  return c.png();
}
