// The dashboard's period and interval in the URL: ?period=month|last-month|quarter|year|custom,
// with ?from=&to= for a custom period, and ?interval=day|week|month for the trends.
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

import { defaultInterval, isInterval, isPreset, periodProblem, presetPeriod, previousPeriod, type Interval, type Preset } from './period';

export function usePeriodParams(today: string) {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => {
    const raw = params.get('period');
    const preset: Preset = isPreset(raw) ? raw : 'month';
    const custom = { from: params.get('from') ?? '', to: params.get('to') ?? '' };
    const period = preset === 'custom' ? custom : presetPeriod(preset, today);
    const problem = preset === 'custom' ? periodProblem(period) : null;
    const rawInterval = params.get('interval');
    const interval: Interval = isInterval(rawInterval) ? rawInterval : problem ? 'day' : defaultInterval(period);
    return {
      preset,
      period,
      problem,
      previous: problem ? null : previousPeriod(period),
      interval,
    };
  }, [params, today]);

  const { period } = state;
  const setPreset = useCallback(
    (preset: Preset) =>
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        next.delete('interval');
        if (preset === 'custom') {
          next.set('period', 'custom');
          next.set('from', period.from);
          next.set('to', period.to);
        } else {
          next.delete('from');
          next.delete('to');
          if (preset === 'month') next.delete('period');
          else next.set('period', preset);
        }
        return next;
      }),
    [setParams, period.from, period.to],
  );
  const setDate = useCallback(
    (name: 'from' | 'to', value: string) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          next.set('period', 'custom');
          next.set(name, value);
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  const setInterval = useCallback(
    (interval: Interval) =>
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        next.set('interval', interval);
        return next;
      }),
    [setParams],
  );
  return { ...state, setPreset, setDate, setInterval };
}
