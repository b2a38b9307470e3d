/**
 * renderScheduleSvg: a Gantt chart of one decode step on the cost model — one row per queue, one
 * bar per instruction coloured by op, a time axis and a legend. Plain SVG text, no dependencies.
 */
import type { Program } from '@megakernel/isa';
import type { ScheduleEstimate } from './estimate.js';
import { ROLES, type Role } from './roles.js';

export interface SvgOptions {
  /** Width of the plotting area in pixels (default 1200). */
  readonly width?: number;
  readonly title?: string;
}

const COLORS: Readonly<Record<Role, string>> = {
  embed: '#6b7280',
  qkv: '#2563eb',
  attention: '#dc2626',
  'attention-reduce': '#f97316',
  o: '#7c3aed',
  'gate-up': '#059669',
  down: '#0d9488',
  'lm-head': '#ca8a04',
  norm: '#64748b',
  rope: '#0ea5e9',
  'cache-append': '#a855f7',
  copy: '#94a3b8',
  residual: '#84cc16',
  activation: '#22c55e',
  argmax: '#eab308',
  other: '#111827',
};

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round step for about `n` ticks over [0, max]. */
function tickStep(max: number, n: number): number {
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
}

export function renderScheduleSvg(
  program: Program,
  estimates: ScheduleEstimate,
  options: SvgOptions = {},
): string {
  const queues = estimates.instructions.length;
  const plotW = options.width ?? 1200;
  const rowH = Math.max(2, Math.min(14, Math.floor(900 / Math.max(1, queues))));
  const left = 56;
  const top = 40;
  const plotH = rowH * queues;
  const used = new Set<Role>();
  for (const q of estimates.instructions) for (const e of q) used.add(e.role);
  const legend = ROLES.filter((r) => used.has(r));
  const height = top + plotH + 40 + 20 * Math.ceil(legend.length / 6);
  const span = Math.max(estimates.makespanUs, 1e-9);
  const x = (us: number): number => left + (us / span) * plotW;
  const title =
    options.title ??
    `${program.config.architecture}: ${program.config.numLayers} layers, ${queues} queues, ` +
      `${estimates.makespanUs.toFixed(1)} µs per token at context ${estimates.context}`;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 20}" height="${height}" font-family="sans-serif" font-size="11">`,
  );
  out.push(`<text x="${left}" y="18" font-size="14">${escapeXml(title)}</text>`);
  // Time axis.
  const step = tickStep(span, 10);
  for (let t = 0; t <= span + 1e-9; t += step) {
    const xt = x(t).toFixed(1);
    out.push(`<line x1="${xt}" y1="${top}" x2="${xt}" y2="${top + plotH}" stroke="#e5e7eb"/>`);
    out.push(
      `<text x="${xt}" y="${top + plotH + 14}" text-anchor="middle">${Number(t.toPrecision(6))}</text>`,
    );
  }
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 28}" text-anchor="middle">time (µs)</text>`);
  // Bars, one group per queue.
  estimates.instructions.forEach((list, q) => {
    const y = top + q * rowH;
    if (rowH >= 8 || q % Math.ceil(12 / rowH) === 0) {
      out.push(
        `<text x="${left - 4}" y="${y + rowH - 1}" text-anchor="end" font-size="${Math.min(10, rowH + 2)}">${q}</text>`,
      );
    }
    for (const e of list) {
      const x0 = x(e.startUs);
      const w = Math.max(0.5, x(e.endUs) - x0);
      const label = `q${q} #${e.index} ${e.role}${e.layer !== null ? ` L${e.layer}` : ''} ${e.startUs.toFixed(2)}–${e.endUs.toFixed(2)} µs`;
      out.push(
        `<rect x="${x0.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${Math.max(1, rowH - 1)}" fill="${COLORS[e.role]}"><title>${escapeXml(label)}</title></rect>`,
      );
    }
  });
  // Legend.
  legend.forEach((role, k) => {
    const lx = left + (k % 6) * 150;
    const ly = top + plotH + 44 + 20 * Math.floor(k / 6);
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLORS[role]}"/>`);
    out.push(`<text x="${lx + 16}" y="${ly}">${role}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
