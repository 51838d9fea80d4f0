import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useId, useState, type ReactNode } from 'react';
import { Link } from 'react-router';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { operations, Schema } from '../../api/types';
import { SelectField, TextField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { useCompany, useFormat, type Formatter } from '../../company';
import { usePageTitle } from '../../layout/usePageTitle';
import { usePermission } from '../../session';
import { change, percentFormatter } from './change';
import { activityLink, periodLabel, shortCount, shortMoney } from './labels';
import { INTERVALS, PRESETS, type Interval, type Period, type Preset } from './period';
import { usePeriodParams } from './usePeriodParams';
import './dashboard.css';

const TrendChart = lazy(() => import('./TrendChart'));

type Summary = Schema<'Summary'>;
type Point = Schema<'Point'>;
type Metric = 'revenue' | 'cash' | 'orders';
type Currency = NonNullable<NonNullable<operations['summary']['parameters']['query']>['currency']>;

const METRICS: { metric: Metric; title: string; money: boolean; empty: string }[] = [
  { metric: 'revenue', title: 'Revenue invoiced', money: true, empty: 'Nothing was invoiced in this period.' },
  { metric: 'cash', title: 'Cash received', money: true, empty: 'No payment was received in this period.' },
  { metric: 'orders', title: 'Orders', money: false, empty: 'No order was created in this period.' },
];

function listLink(path: string, query: Record<string, string>): string {
  const q = new URLSearchParams(query).toString();
  return q ? `${path}?${q}` : path;
}

function rangeText(fmt: Formatter, p: Period): string {
  return p.from === p.to ? fmt.date(p.from) : `${fmt.date(p.from)} – ${fmt.date(p.to)}`;
}

/** The dashboard: key figures of a period against the previous one, trends, top lists, activity. */
export default function DashboardPage() {
  usePageTitle('Dashboard');
  const fmt = useFormat();
  const company = useCompany();
  const currency = (company.currency ?? 'EUR') as Currency;
  const params = usePeriodParams(fmt.today());
  const { period, problem } = params;
  const ready = problem === null;
  const query = { from: period.from, to: period.to, currency };
  const canSeeActivity = usePermission('audit:read');

  const summary = useQuery({
    queryKey: ['dashboard', 'summary', query],
    queryFn: () => unwrap(api.GET('/api/v1/dashboard/summary', { params: { query } })),
    enabled: ready,
    placeholderData: keepPreviousData,
  });
  const previous = summary.data && !summary.isPlaceholderData ? { from: summary.data.previous.from, to: summary.data.previous.to } : params.previous;

  return (
    <section className="page dashboard" aria-labelledby="dashboard-title">
      <div className="page-header">
        <h1 id="dashboard-title">Dashboard</h1>
      </div>

      <PeriodPicker params={params} />
      <p className="dashboard-period-text" aria-live="polite">
        {ready ? (
          <>
            Showing <strong>{rangeText(fmt, period)}</strong>
            {previous ? <>, compared with {rangeText(fmt, previous)}</> : null}.
          </>
        ) : null}
      </p>

      <section aria-labelledby="dashboard-kpis-title" className="dashboard-section">
        <h2 id="dashboard-kpis-title" className="visually-hidden">Key figures</h2>
        {!ready ? null : summary.isPending ? (
          <KpisSkeleton />
        ) : summary.isError ? (
          <ProblemMessage problem={summary.error} title="The key figures could not be loaded." />
        ) : (
          <Kpis summary={summary.data} period={period} busy={summary.isFetching} />
        )}
      </section>

      {ready ? <Trends period={period} interval={params.interval} currency={currency} setInterval={params.setInterval} /> : null}

      {ready ? (
        <div className="dashboard-columns">
          <TopCustomers period={period} currency={currency} />
          <TopProducts period={period} currency={currency} />
        </div>
      ) : null}

      {canSeeActivity ? <ActivityFeed /> : null}
    </section>
  );
}

function PeriodPicker({ params }: { params: ReturnType<typeof usePeriodParams> }) {
  return (
    <div className="toolbar dashboard-picker" role="group" aria-label="Choose the period">
      <SelectField
        label="Period"
        name="period"
        value={params.preset}
        onChange={(e) => params.setPreset(e.target.value as Preset)}
        options={PRESETS}
      />
      {params.preset === 'custom' ? (
        <>
          <TextField
            label="From"
            name="from"
            type="date"
            value={params.period.from}
            max={params.period.to || undefined}
            required
            error={params.problem && params.problem.includes('first day of') ? params.problem : undefined}
            onChange={(e) => params.setDate('from', e.target.value)}
          />
          <TextField
            label="To"
            name="to"
            type="date"
            value={params.period.to}
            min={params.period.from || undefined}
            required
            error={params.problem && !params.problem.includes('first day of') ? params.problem : undefined}
            onChange={(e) => params.setDate('to', e.target.value)}
          />
        </>
      ) : null}
    </div>
  );
}

interface KpiProps {
  title: string;
  value: string;
  to: string;
  /** [current, previous] for the change, or null for a figure of today (no comparison). */
  compare: [number | null, number | null] | null;
  higherIsBetter?: boolean;
  note?: ReactNode;
}

export function Kpi({ title, value, to, compare, higherIsBetter = true, note }: KpiProps) {
  const fmt = useFormat();
  const c = compare ? change(compare[0], compare[1], percentFormatter(fmt.locale), higherIsBetter) : null;
  return (
    <li className="card dashboard-kpi">
      <h3 className="dashboard-kpi-title">{title}</h3>
      <p className="dashboard-kpi-value">
        <Link to={to}>
          <span className="visually-hidden">{title}:</span> {value}
        </Link>
      </p>
      {c ? (
        <p className={`dashboard-kpi-change dashboard-tone-${c.tone}`}>
          {c.direction === 'none' ? (
            <span aria-hidden="true" className="dashboard-kpi-vs">Nothing to compare with</span>
          ) : (
            <span aria-hidden="true">
              {c.arrow} {c.short} <span className="dashboard-kpi-vs">vs previous period</span>
            </span>
          )}
          <span className="visually-hidden">{c.words}</span>
        </p>
      ) : null}
      {note ? <p className="dashboard-kpi-note">{note}</p> : null}
    </li>
  );
}

/** The key figures' cards while they load: the same titles and about the same height, so that
 * what follows does not jump when the figures arrive (on a phone the six cards are a screen
 * high). */
const KPI_SHAPES = [
  { title: 'Revenue invoiced', lines: 2 },
  { title: 'Cash received', lines: 1 },
  { title: 'Outstanding', lines: 2 },
  { title: 'Overdue', lines: 1 },
  { title: 'Orders', lines: 1 },
  { title: 'Average days to pay', lines: 2 },
] as const;

function KpisSkeleton() {
  return (
    <div role="status" aria-live="polite">
      <span className="visually-hidden">Loading the key figures…</span>
      <ul className="dashboard-kpis" aria-hidden="true">
        {KPI_SHAPES.map(({ title, lines }) => (
          <li key={title} className="card dashboard-kpi">
            <p className="dashboard-kpi-title">{title}</p>
            <div className="skeleton-line dashboard-kpi-value-loading" />
            {Array.from({ length: lines }, (_, i) => (
              <div key={i} className="skeleton-line dashboard-kpi-line-loading" />
            ))}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Kpis({ summary, period, busy }: { summary: Summary; period: Period; busy: boolean }) {
  const fmt = useFormat();
  const { current, previous, currency } = summary;
  const money = (amount: number) => fmt.money({ amount, currency });
  const range = { from: period.from, to: period.to };
  const days = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${fmt.number(v, 1)} days`);
  return (
    <ul className="dashboard-kpis" aria-busy={busy}>
      <Kpi
        title="Revenue invoiced"
        value={money(current.revenue_invoiced)}
        to={listLink('/invoices', range)}
        compare={[current.revenue_invoiced, previous.revenue_invoiced]}
        note={`${fmt.number(current.invoices_issued)} ${current.invoices_issued === 1 ? 'invoice' : 'invoices'} issued`}
      />
      <Kpi
        title="Cash received"
        value={money(current.cash_received)}
        to={listLink('/payments', range)}
        compare={[current.cash_received, previous.cash_received]}
      />
      <Kpi
        title="Outstanding"
        value={money(summary.outstanding_receivables)}
        to={listLink('/invoices', { status: 'issued' })}
        compare={null}
        note={
          <>
            Owed now, on <Link to={listLink('/invoices', { status: 'issued' })}>issued</Link> and{' '}
            <Link to={listLink('/invoices', { status: 'partially_paid' })}>partly paid</Link> invoices
          </>
        }
      />
      <Kpi
        title="Overdue"
        value={money(summary.overdue_receivables)}
        to={listLink('/invoices', { status: 'overdue' })}
        compare={null}
        note="Past the due date, today"
      />
      <Kpi
        title="Orders"
        value={fmt.number(current.orders_created)}
        to={listLink('/orders', range)}
        compare={[current.orders_created, previous.orders_created]}
      />
      <Kpi
        title="Average days to pay"
        value={days(current.average_days_to_pay)}
        to={listLink('/invoices', { status: 'paid' })}
        compare={[current.average_days_to_pay ?? null, previous.average_days_to_pay ?? null]}
        higherIsBetter={false}
        note={current.average_days_to_pay === null || current.average_days_to_pay === undefined ? 'No invoice was paid in full in this period' : 'Of invoices paid in full in this period'}
      />
    </ul>
  );
}

function Trends({ period, interval, currency, setInterval }: { period: Period; interval: Interval; currency: Currency; setInterval: (i: Interval) => void }) {
  return (
    <section aria-labelledby="dashboard-trends-title" className="dashboard-section">
      <div className="dashboard-section-header">
        <h2 id="dashboard-trends-title">Trends</h2>
        <div className="toolbar dashboard-interval">
          <SelectField label="Show by" name="interval" value={interval} onChange={(e) => setInterval(e.target.value as Interval)} options={INTERVALS} />
        </div>
      </div>
      <div className="dashboard-trends">
        {METRICS.map((m) => (
          <TrendPanel key={m.metric} {...m} period={period} interval={interval} currency={currency} />
        ))}
      </div>
    </section>
  );
}

function TrendPanel({
  metric, title, money, empty, period, interval, currency,
}: (typeof METRICS)[number] & { period: Period; interval: Interval; currency: Currency }) {
  const fmt = useFormat();
  const [asTable, setAsTable] = useState(false);
  const headingId = useId();
  const query = { from: period.from, to: period.to, currency, metric, interval };
  const trend = useQuery({
    queryKey: ['dashboard', 'trends', query],
    queryFn: () => unwrap(api.GET('/api/v1/dashboard/trends', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const { locale } = fmt;
  const pointInterval = (trend.data?.interval ?? interval) as Interval;
  const trendCurrency = trend.data?.currency ?? currency;
  const axisPeriod = useCallback((p: string) => periodLabel(p, pointInterval, locale), [pointInterval, locale]);
  const axisValue = useCallback(
    (v: number) => (money ? shortMoney(v, trendCurrency, locale) : shortCount(v, locale)),
    [money, trendCurrency, locale],
  );
  const value = (v: number) => (money ? fmt.money({ amount: v, currency: trendCurrency }) : fmt.number(v));
  const by = INTERVALS.find((i) => i.value === pointInterval)?.label.toLowerCase() ?? pointInterval;
  const label = `${title} by ${by}, ${rangeText(fmt, period)}`;
  const points: Point[] = trend.data?.points ?? [];
  const nothing = points.every((p) => p.value === 0);

  let body;
  if (trend.isPending) body = <Skeleton lines={4} label={`Loading ${title.toLowerCase()}…`} />;
  else if (trend.isError) body = <ProblemMessage problem={trend.error} title={`The ${title.toLowerCase()} trend could not be loaded.`} />;
  else if (nothing) body = <p className="dashboard-empty">{empty}</p>;
  else if (asTable) body = <TrendTable label={label} points={points} interval={pointInterval} value={value} />;
  else
    body = (
      <Suspense fallback={<Skeleton lines={4} label="Loading the chart…" />}>
        <TrendChart points={points} label={label} periodLabel={axisPeriod} valueLabel={axisValue} integer={!money} />
      </Suspense>
    );

  return (
    <section className="card dashboard-trend" aria-labelledby={headingId} aria-busy={trend.isFetching}>
      <div className="dashboard-trend-header">
        <h3 id={headingId}>{title}</h3>
        {!trend.isPending && !trend.isError && !nothing ? (
          <button type="button" className="button button-quiet" aria-pressed={asTable} onClick={() => setAsTable((v) => !v)}>
            Show as table
          </button>
        ) : null}
      </div>
      <div className="dashboard-trend-body">{body}</div>
    </section>
  );
}

export function TrendTable({ label, points, interval, value }: { label: string; points: Point[]; interval: Interval; value: (v: number) => string }) {
  const { locale } = useFormat();
  return (
    <div className="table-wrap dashboard-trend-table">
      <table className="table">
        <caption className="visually-hidden">{label}</caption>
        <thead>
          <tr>
            <th scope="col">{interval === 'day' ? 'Day' : interval === 'week' ? 'Week' : 'Month'}</th>
            <th scope="col" className="num">Amount</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.period}>
              <th scope="row">{periodLabel(p.period, interval, locale, true)}</th>
              <td className="num">{value(p.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TopCustomers({ period, currency }: { period: Period; currency: Currency }) {
  const fmt = useFormat();
  const query = { from: period.from, to: period.to, currency, limit: 10 };
  const top = useQuery({
    queryKey: ['dashboard', 'top-customers', query],
    queryFn: () => unwrap(api.GET('/api/v1/dashboard/top-customers', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const items = top.data?.items ?? [];
  return (
    <section className="dashboard-section" aria-labelledby="dashboard-top-customers">
      <h2 id="dashboard-top-customers">Top customers</h2>
      {top.isPending ? (
        <Skeleton lines={4} label="Loading the top customers…" />
      ) : top.isError ? (
        <ProblemMessage problem={top.error} title="The top customers could not be loaded." />
      ) : items.length === 0 ? (
        <p className="card dashboard-empty">No invoice was issued in this period, so there are no top customers yet.</p>
      ) : (
        <div className="table-wrap" aria-busy={top.isFetching}>
          <table className="table">
            <caption className="visually-hidden">Top customers by revenue invoiced, {rangeText(fmt, period)}</caption>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col" className="num">Revenue</th>
                <th scope="col" className="num">Invoices</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.customer_id}>
                  <th scope="row" className="dashboard-name">
                    <Link to={`/customers/${encodeURIComponent(c.customer_id)}`}>{c.name || 'Unnamed customer'}</Link>
                  </th>
                  <td className="num">{fmt.money({ amount: c.revenue, currency })}</td>
                  <td className="num">
                    <Link to={listLink('/invoices', { customer: c.customer_id, from: period.from, to: period.to })}>
                      {fmt.number(c.invoices)} <span className="visually-hidden">{c.invoices === 1 ? 'invoice' : 'invoices'} of {c.name}</span>
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function TopProducts({ period, currency }: { period: Period; currency: Currency }) {
  const fmt = useFormat();
  const query = { from: period.from, to: period.to, currency, limit: 10 };
  const top = useQuery({
    queryKey: ['dashboard', 'top-products', query],
    queryFn: () => unwrap(api.GET('/api/v1/dashboard/top-products', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const items = top.data?.items ?? [];
  return (
    <section className="dashboard-section" aria-labelledby="dashboard-top-products">
      <h2 id="dashboard-top-products">Top products</h2>
      {top.isPending ? (
        <Skeleton lines={4} label="Loading the top products…" />
      ) : top.isError ? (
        <ProblemMessage problem={top.error} title="The top products could not be loaded." />
      ) : items.length === 0 ? (
        <p className="card dashboard-empty">No product was invoiced in this period.</p>
      ) : (
        <div className="table-wrap" aria-busy={top.isFetching}>
          <table className="table">
            <caption className="visually-hidden">Top products by net revenue invoiced, {rangeText(fmt, period)}</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">SKU</th>
                <th scope="col" className="num">Revenue</th>
                <th scope="col" className="num">Lines</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.product_id}>
                  <th scope="row" className="dashboard-name">
                    <Link to={`/products/${encodeURIComponent(p.product_id)}`}>{p.name || 'Unnamed product'}</Link>
                  </th>
                  <td>{p.sku}</td>
                  <td className="num">{fmt.money({ amount: p.revenue, currency })}</td>
                  <td className="num">{fmt.number(p.lines)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ActivityFeed() {
  const fmt = useFormat();
  const activity = useQuery({
    queryKey: ['dashboard', 'activity'],
    queryFn: () => unwrap(api.GET('/api/v1/dashboard/activity', { params: { query: { limit: 20 } } })),
  });
  const items = activity.data?.items ?? [];
  return (
    <section className="dashboard-section" aria-labelledby="dashboard-activity-title">
      <div className="dashboard-section-header">
        <h2 id="dashboard-activity-title">Latest activity</h2>
        <Link to="/audit">Whole audit trail</Link>
      </div>
      {activity.isPending ? (
        <Skeleton lines={5} label="Loading the latest activity…" />
      ) : activity.isError ? (
        <ProblemMessage problem={activity.error} title="The latest activity could not be loaded." />
      ) : items.length === 0 ? (
        <p className="card dashboard-empty">Nothing has happened yet. Changes people make appear here.</p>
      ) : (
        <ol className="card dashboard-activity">
          {items.map((a, i) => {
            const to = activityLink(a);
            return (
              <li key={`${a.at}-${a.entity_id}-${i}`}>
                <span className="dashboard-activity-text">{to ? <Link to={to}>{a.text}</Link> : a.text}</span>{' '}
                <time className="dashboard-activity-time" dateTime={a.at}>
                  {fmt.dateTime(a.at)}
                </time>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
