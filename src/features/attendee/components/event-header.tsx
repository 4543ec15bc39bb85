import { formatEventTime } from '../lib/format';

interface EventHeaderProps {
  name: string;
  startsAt: string;
  endsAt: string | null;
  venue: string;
  /** The event page's main heading; elsewhere the event is a sub-heading. */
  headingLevel?: 1 | 2;
}

export function EventHeader({ name, startsAt, endsAt, venue, headingLevel = 1 }: EventHeaderProps) {
  const Heading = headingLevel === 1 ? 'h1' : 'h2';
  return (
    <header className="att-event-header">
      <Heading className="att-event-name">{name}</Heading>
      <p className="att-event-meta">
        <time dateTime={startsAt}>{formatEventTime(startsAt, endsAt)}</time>
      </p>
      {venue ? <p className="att-event-meta">{venue}</p> : null}
    </header>
  );
}
