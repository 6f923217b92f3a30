/**
 * The monitoring dashboard: charts over time of events per minute, downloads completed and failed, bytes saved,
 * handler latency (p50/p95) and the dead-letter queue's depth, live from the metrics projection.
 *
 * Charts are drawn by uPlot (≈ 50 KB minified, no dependencies, made for time series; its canvas code is not ours
 * to keep). This module is loaded with `import()` only when the options page shows the monitoring section, so
 * neither the popup nor the options page's first load carries it. Every chart has its numbers in words as well
 * (the totals above, and each chart's legend).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { SemantestDb } from '../ui/read-api.ts';
import { useLive } from '../ui/live.ts';
import { readMetrics } from '../ui/read-api.ts';
import { formatBytes } from '../ui/format.ts';
import { t } from '../platform/i18n.ts';
import { RANGES, buildSeries, rangeStart, type MonitorSeries, type RangeName } from './series.ts';
import './monitoring.css';

interface Line {
  label: string;
  values: (number | null)[];
  color: string;
  /** A step line for a gauge (the queue depth), bars for counts. */
  kind?: 'line' | 'bars' | 'step';
}

const css = (name: string, fallback: string): string => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function Chart({ title, testid, time, lines, format }: { title: string; testid: string; time: number[]; lines: Line[]; format: (value: number) => string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useMemo(() => [time, ...lines.map((line) => line.values)] as uPlot.AlignedData, [time, lines]);
  useEffect(() => {
    const element = box.current;
    if (!element) return undefined;
    const fg = css('--muted', '#5f6368');
    const grid = css('--line', '#e0e3e7');
    const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const bars = uPlot.paths.bars?.({ size: [0.7, 24] });
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const made = new uPlot(
      {
        width: Math.max(240, element.clientWidth),
        height: 160,
        series: [
          {},
          ...lines.map((line): uPlot.Series => ({
            label: line.label,
            stroke: line.color,
            width: 2,
            fill: line.kind === 'bars' ? `${line.color}99` : undefined,
            paths: line.kind === 'bars' ? bars : line.kind === 'step' ? stepped : undefined,
            // uPlot shows points only while they are sparse: a lone minute is still visible.
            spanGaps: false,
            value: (_plot, value) => (value === null || value === undefined ? '–' : format(value)),
          })),
        ],
        axes: [axis, { ...axis, size: 72, values: (_plot, ticks) => ticks.map((tick) => format(tick)) }],
        scales: { y: { range: (_plot, min, max) => [0, Math.max(1, max, min)] } },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      element,
    );
    plot.current = made;
    const observer = new ResizeObserver(() => made.setSize({ width: Math.max(240, element.clientWidth), height: 160 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      made.destroy();
      plot.current = null;
    };
    // Made once per set of lines; new data goes through setData below.
  }, [lines.length]);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  return (
    <figure class="chart" data-testid={testid} aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}

const count = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(1));
const ms = (value: number): string => `${Math.round(value)} ms`;
const bytes = (value: number): string => formatBytes(value) || '0 B';

export function Monitoring({ db }: { db: SemantestDb }) {
  const [range, setRange] = useState<RangeName>('hour');
  const now = useNow(RANGES[range].bucketMs >= 60_000 ? 30_000 : 10_000);
  const start = rangeStart(range, now);
  const metrics = useLive(() => readMetrics(db, start), [start]);
  const built = useMemo(() => (metrics.status === 'ready' ? buildSeries(metrics.value.rows, range, now, metrics.value.depthBefore) : null), [metrics, range, now]);
  const colors = useMemo(() => ({ accent: css('--accent', '#0b57d0'), ok: css('--ok', '#146c2e'), bad: css('--bad', '#b3261e'), warn: css('--warn', '#8a5300') }), []);
  const lines = useMemo(() => (built ? chartLines(built.series, colors) : null), [built, colors]);

  return (
    <div class="monitoring" data-testid="monitoring">
      <div class="buttons">
        <label>
          {t('monitorRange')}{' '}
          <select data-testid="monitor-range" value={range} onChange={(event) => setRange(event.currentTarget.value as RangeName)}>
            <option value="hour">{t('monitorHour')}</option>
            <option value="day">{t('monitorDay')}</option>
            <option value="week">{t('monitorWeek')}</option>
          </select>
        </label>
      </div>
      {metrics.status === 'loading' && <p class="muted">{t('loading')}</p>}
      {metrics.status === 'error' && (
        <p class="error-text" role="alert">
          {metrics.error}
        </p>
      )}
      {built && lines && (
        <>
          <dl class="totals" data-testid="monitor-totals">
            <div>
              <dt>{t('monitorEvents')}</dt>
              <dd data-testid="monitor-total-events">{built.totals.events}</dd>
            </div>
            <div>
              <dt>{t('monitorCompleted')}</dt>
              <dd data-testid="monitor-total-completed">{built.totals.completed}</dd>
            </div>
            <div>
              <dt>{t('monitorFailed')}</dt>
              <dd data-testid="monitor-total-failed">{built.totals.failed}</dd>
            </div>
            <div>
              <dt>{t('monitorBytes')}</dt>
              <dd data-testid="monitor-total-bytes">{bytes(built.totals.bytes)}</dd>
            </div>
            <div>
              <dt>{t('monitorLatency')}</dt>
              <dd data-testid="monitor-latency">
                {built.totals.latencyP50 === null ? '–' : `${ms(built.totals.latencyP50)} / ${ms(built.totals.latencyP95 ?? 0)}`}
              </dd>
            </div>
            <div>
              <dt>{t('monitorDepth')}</dt>
              <dd data-testid="monitor-depth">{built.totals.deadLetterDepth}</dd>
            </div>
          </dl>
          <div class="charts">
            <Chart title={t('monitorEventsChart')} testid="chart-events" time={built.series.time} lines={lines.events} format={count} />
            <Chart title={t('monitorDownloadsChart')} testid="chart-downloads" time={built.series.time} lines={lines.downloads} format={count} />
            <Chart title={t('monitorBytesChart')} testid="chart-bytes" time={built.series.time} lines={lines.bytes} format={bytes} />
            <Chart title={t('monitorLatencyChart')} testid="chart-latency" time={built.series.time} lines={lines.latency} format={ms} />
            <Chart title={t('monitorDepthChart')} testid="chart-depth" time={built.series.time} lines={lines.depth} format={count} />
          </div>
          <p class="muted small">{t('monitorNote', [String(built.totals.handled), String(built.totals.retried), String(built.totals.busDeadLettered)])}</p>
        </>
      )}
    </div>
  );
}

function chartLines(series: MonitorSeries, c: { accent: string; ok: string; bad: string; warn: string }): Record<'events' | 'downloads' | 'bytes' | 'latency' | 'depth', Line[]> {
  return {
    events: [{ label: t('monitorEventsPerMinute'), values: series.eventsPerMinute, color: c.accent }],
    downloads: [
      { label: t('monitorCompleted'), values: series.completed, color: c.ok, kind: 'bars' },
      { label: t('monitorFailed'), values: series.failed, color: c.bad, kind: 'bars' },
    ],
    bytes: [{ label: t('monitorBytes'), values: series.bytes, color: c.accent, kind: 'bars' }],
    latency: [
      { label: 'p50', values: series.latencyP50, color: c.accent },
      { label: 'p95', values: series.latencyP95, color: c.warn },
    ],
    depth: [{ label: t('monitorDepth'), values: series.deadLetterDepth, color: c.bad, kind: 'step' }],
  };
}

export default Monitoring;
