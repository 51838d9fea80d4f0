// A trend as a bar chart drawn by uPlot on a canvas. Loaded lazily (React.lazy) so uPlot is
// its own chunk. uPlot sizes its elements through the CSSOM (element.style), which the CSP
// (style-src 'self') allows; its stylesheet comes with this chunk. The chart is an image for
// assistive technology: the page offers the same figures as a table.
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import type { Schema } from '../../api/types';

type Point = Schema<'Point'>;

export interface TrendChartProps {
  points: Point[];
  /** What the image shows, e.g. "Revenue by week, 1 Nov 2026 to 18 Nov 2026". */
  label: string;
  /** Label of a period on the x axis ("2026-11" => "Nov 2026"). */
  periodLabel: (period: string) => string;
  /** A value on the y axis (short: "€1.2K"). */
  valueLabel: (value: number) => string;
  /** Counts: whole numbers on the y axis only. */
  integer?: boolean;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** Bumps when the colour scheme changes (system preference or the data-theme attribute). */
function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    const media = window.matchMedia?.('(prefers-color-scheme: dark)');
    media?.addEventListener('change', bump);
    const observer = new MutationObserver(bump);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      media?.removeEventListener('change', bump);
      observer.disconnect();
    };
  }, []);
  return version;
}

export default function TrendChart({ points, label, periodLabel, valueLabel, integer = false }: TrendChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const theme = useThemeVersion();

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const text = cssVar('--color-text-muted');
    const grid = cssVar('--color-border');
    const primary = cssVar('--color-primary');
    const xs = points.map((_, i) => i);
    const ys = points.map((p) => p.value);
    const width = () => Math.max(240, el.clientWidth);
    const opts: uPlot.Options = {
      width: width(),
      height: 220,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: {
        x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        {
          stroke: text,
          grid: { show: false },
          ticks: { stroke: grid },
          incrs: [1, 2, 3, 4, 5, 7, 10, 14, 20, 30, 50, 100],
          space: 56,
          values: (_u, splits) => splits.map((i) => (Number.isInteger(i) && points[i] ? periodLabel(points[i].period) : '')),
        },
        {
          stroke: text,
          grid: { stroke: grid, width: 1 },
          ticks: { show: false },
          size: 72,
          ...(integer ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000, 1_000_000] } : {}),
          values: (_u, splits) => splits.map((v) => valueLabel(v)),
        },
      ],
      series: [
        {},
        {
          label,
          stroke: primary,
          fill: primary,
          width: 0,
          points: { show: false },
          paths: uPlot.paths.bars?.({ size: [0.7, 48], gap: 1 }),
        },
      ],
    };
    const chart = new uPlot(opts, [xs, ys], el);
    const resize = () => chart.setSize({ width: width(), height: 220 });
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(resize);
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      chart.destroy();
    };
  }, [points, label, periodLabel, valueLabel, integer, theme]);

  return <div ref={ref} className="dashboard-chart" role="img" aria-label={label} />;
}
