import type { LiveStatus } from '../hooks/use-organization-channel';

const TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

const TITLE: Record<LiveStatus, string> = {
  connecting: 'Connecting to live updates',
  connected: 'Live: new sales appear as they happen',
  reconnecting: 'Connection lost, reconnecting; numbers may be behind',
  offline: 'Offline: numbers update when the connection is back',
};

/** A discreet badge saying whether numbers are live. */
export function LiveIndicator({ status }: { status: LiveStatus }) {
  return (
    <span className={`live live--${status}`} role="status" aria-label={TITLE[status]} title={TITLE[status]}>
      <span className="live-dot" aria-hidden="true" />
      <span aria-hidden="true">{TEXT[status]}</span>
    </span>
  );
}
