/**
 * The options page's monitoring section. The dashboard and its chart library are loaded with `import()` when the
 * section first comes into view (or is linked to), so the page opens without them and the popup never has them.
 */
import type { FunctionComponent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SemantestDb } from '../ui/read-api.ts';
import { t } from '../platform/i18n.ts';
import { followPageHealth } from '../ui/page-health.ts';
import type { WorkerRequest } from '../shared/protocol.ts';
import { BusDeadLetters } from './bus-dead-letters.tsx';

type Dashboard = FunctionComponent<{ db: SemantestDb }>;

export function MonitoringSection({ db, act }: { db: SemantestDb; act: (request: WorkerRequest) => Promise<void> }) {
  const section = useRef<HTMLElement>(null);
  const [Loaded, setLoaded] = useState<{ Dashboard: Dashboard } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const health = useRef<HTMLParagraphElement>(null);
  // The last Google Images page's markup health (not an event: kept by the worker for the session).
  useEffect(() => (health.current ? followPageHealth(health.current, false) : undefined), []);
  useEffect(() => {
    const element = section.current;
    if (!element) return undefined;
    let started = false;
    const load = () => {
      if (started) return;
      started = true;
      import('../monitor/monitoring.tsx').then(
        (module) => setLoaded({ Dashboard: module.Monitoring }),
        (reason: unknown) => setError(reason instanceof Error ? reason.message : String(reason)),
      );
    };
    if (location.hash === '#monitoring') load();
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) load();
    });
    observer.observe(element);
    const onHash = () => location.hash === '#monitoring' && load();
    addEventListener('hashchange', onHash);
    return () => {
      observer.disconnect();
      removeEventListener('hashchange', onHash);
    };
  }, []);
  return (
    <section id="monitoring" ref={section} aria-labelledby="monitoring-title">
      <h2 id="monitoring-title">{t('monitorTitle')}</h2>
      <p class="muted">{t('monitorHelp')}</p>
      <p ref={health} class="page-health" data-testid="page-health" role="status" hidden />
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
      {Loaded ? <Loaded.Dashboard db={db} /> : !error && <p class="muted">{t('loading')}</p>}
      <BusDeadLetters db={db} act={act} />
    </section>
  );
}
