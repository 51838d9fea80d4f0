// The change of a figure against the previous period, as a KPI card shows it: an arrow, a
// percentage and a sentence for screen readers.

export interface Change {
  direction: 'up' | 'down' | 'same' | 'none';
  /** The arrow shown (hidden from screen readers). */
  arrow: string;
  /** What is shown next to the arrow: "12.5%", "0%", "New" or "–". */
  short: string;
  /** The whole sentence for screen readers: "Up 12.5% on the previous period". */
  words: string;
  /** Whether the change is good news (for the colour): more revenue, fewer days to pay. */
  tone: 'good' | 'bad' | 'neutral';
}

/**
 * `current` against `previous` (null: no figure for the previous period). `higherIsBetter`
 * picks the colour only: fewer days to pay is good news.
 */
export function change(
  current: number | null,
  previous: number | null,
  formatPercent: (v: number) => string,
  higherIsBetter = true,
): Change {
  if (current === null || previous === null) {
    return { direction: 'none', arrow: '', short: '–', words: 'No figure to compare with for the previous period', tone: 'neutral' };
  }
  if (current === previous) {
    return { direction: 'same', arrow: '→', short: formatPercent(0), words: 'No change from the previous period', tone: 'neutral' };
  }
  const up = current > previous;
  const good = up === higherIsBetter;
  const tone = good ? 'good' : 'bad';
  if (previous === 0) {
    return {
      direction: up ? 'up' : 'down',
      arrow: up ? '↑' : '↓',
      short: 'New',
      words: `${up ? 'Up' : 'Down'} from nothing in the previous period`,
      tone,
    };
  }
  const pct = formatPercent(Math.abs(((current - previous) / Math.abs(previous)) * 100));
  return {
    direction: up ? 'up' : 'down',
    arrow: up ? '↑' : '↓',
    short: pct,
    words: `${up ? 'Up' : 'Down'} ${pct} on the previous period`,
    tone,
  };
}

/** A percentage (already in percent) with at most one decimal: 12.5 => "12.5%". */
export function percentFormatter(locale?: string): (v: number) => string {
  const f = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  return (v) => f.format(v / 100);
}
