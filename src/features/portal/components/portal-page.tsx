import { lazy, Suspense, useState } from 'react';
import { useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { DocumentTitle } from '@/components/document-title';
import { NotFoundPage } from '@/components/not-found-page';
import QrCode from '@/components/qr-code';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { PanelError, PanelErrorBoundary } from '@/components/ui/error-boundary';
import { Skeleton } from '@/components/ui/skeleton';
import { qrTrackingLink } from '@/config/paths';
import { formatDateTime, formatMoney, formatNumber, formatPercent } from '@/lib/format';
import { portalViewQueryOptions, type PortalDay, type PortalEvent } from '../api/get-portal-view';
import { portalKeys } from '../api/keys';
import { usePortalLive } from '../hooks/use-portal-live';
import './portal.css';

const PortalChart = lazy(() => import('./portal-chart'));

/** The shortest chart: two weeks, or from the first day with activity when that is earlier. */
const MIN_CHART_DAYS = 14;

/** Every day from the first shown to `to` (UTC dates), with zeros where nothing happened. */
export function fillDays(series: PortalDay[], from: string, to: string): { day: string; tickets: number }[] {
  const dayMs = 86_400_000;
  const end = Date.parse(`${to}T00:00:00Z`);
  const first = series.length > 0 ? Date.parse(`${series[0].day}T00:00:00Z`) : end;
  const start = Math.max(Date.parse(`${from}T00:00:00Z`), Math.min(first, end - (MIN_CHART_DAYS - 1) * dayMs));
  const byDay = new Map(series.map((d) => [d.day, d.tickets]));
  const days: { day: string; tickets: number }[] = [];
  for (let t = start; t <= end; t += dayMs) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.push({ day, tickets: byDay.get(day) ?? 0 });
  }
  return days;
}

export function PortalNotFound() {
  return (
    <>
      <DocumentTitle title="Portal link not working" />
      <NotFoundPage
        title="This portal link does not work"
        message="It may have been replaced by a new link or turned off by the organizer. Ask them for your current portal link."
      />
    </>
  );
}

function EventCard({ event, showRank, from, to }: { event: PortalEvent; showRank: boolean; from: string; to: string }) {
  const [showQr, setShowQr] = useState(false);
  const link = new URL(event.link_path, window.location.origin).toString();
  const stats: { label: string; value: string }[] = [{ label: 'Tickets', value: formatNumber(event.tickets) }];
  if (event.revenue_minor !== null) stats.push({ label: 'Revenue', value: formatMoney(event.revenue_minor, event.currency) });
  stats.push({ label: 'Visits', value: formatNumber(event.visits) });
  stats.push({ label: 'Conversion', value: event.conversion === null ? '—' : formatPercent(event.conversion) });
  if (showRank && event.rank !== null) stats.push({ label: 'Rank', value: `${event.rank} of ${event.promoters ?? event.rank}` });
  const days = fillDays(event.series, from, to);
  return (
    <section className="card portal-event" aria-labelledby={`event-${event.event_id}`}>
      <h2 id={`event-${event.event_id}`}>{event.event_name}</h2>
      <p className="muted">{formatDateTime(event.starts_at)}</p>
      <code className="portal-link">{link}</code>
      <div className="portal-actions">
        <CopyButton value={link} />
        <Button size="sm" aria-expanded={showQr} onClick={() => setShowQr(!showQr)}>
          QR code
        </Button>
      </div>
      {showQr ? <QrCode value={qrTrackingLink(link)} label={`QR code for your ${event.event_name} link`} /> : null}
      <dl className="portal-stats" aria-label={`Your results for ${event.event_name}`}>
        {stats.map((stat) => (
          <div key={stat.label}>
            <dt>{stat.label}</dt>
            <dd>{stat.value}</dd>
          </div>
        ))}
      </dl>
      <Suspense fallback={<Skeleton height="12rem" />}>
        <PortalChart days={days} label={`Tickets per day for ${event.event_name}: ${formatNumber(event.tickets)} in all`} />
      </Suspense>
    </section>
  );
}

/** The promoter's own page: their links and results per event, live. */
export function PortalPage({ secret }: { secret: string }) {
  return (
    <PanelErrorBoundary
      resetKeys={[secret]}
      loading={
        <main className="portal-page">
          <div role="status" aria-label="Loading your results">
            <Skeleton height="2.2rem" width="60%" />
            <Skeleton height="10rem" />
          </div>
        </main>
      }
      renderError={({ error, retry }) => (
        <main className="portal-page">
          <PanelError title="Your results could not load" error={error} onRetry={retry} />
        </main>
      )}
    >
      <Portal secret={secret} />
    </PanelErrorBoundary>
  );
}

function Portal({ secret }: { secret: string }) {
  const queryClient = useQueryClient();
  const { data } = useSuspenseQuery(portalViewQueryOptions(secret));
  const live = usePortalLive(data?.live_topic ?? null, () => {
    void queryClient.invalidateQueries({ queryKey: portalKeys.view(secret) });
  });

  if (data === null) return <PortalNotFound />;
  return (
    <main className="portal-page">
      <DocumentTitle title={`${data.promoter_name} · ${data.organization_name}`} />
      <header className="portal-header">
        <h1>{data.promoter_name}</h1>
        <p className="muted">
          Your results as a promoter for {data.organization_name}.{' '}
          <span role="status">{live === 'connected' ? 'Live: new sales appear by themselves.' : 'Connecting for live updates…'}</span>
        </p>
      </header>
      {data.events.length === 0 ? (
        <p>You are not active on any event right now. Your links appear here as soon as the organizer adds you to one.</p>
      ) : (
        data.events.map((event) => (
          <EventCard key={event.event_id} event={event} showRank={data.show_rank} from={data.series_from} to={data.series_to} />
        ))
      )}
    </main>
  );
}
