import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { DocumentTitle } from '@/components/document-title';
import { Button } from '@/components/ui/button';
import { paths } from '@/config/paths';
import { salesClosed, ticketsAvailable, type PublicEvent } from '../api/get-public-event';
import { usePromoterAttribution, useRecordPendingVisits } from '../hooks/use-promoter-attribution';
import { MAX_PER_ORDER, cartFromSearchParams, cartTicketCount, cartToSearchParams } from '../lib/cart';
import { formatMoney } from '@/lib/format';
import { EventHeader } from './event-header';
import { FormerSlugRedirect } from './former-slug-redirect';
import { WithPublicEvent } from './states';
import { TicketSelector } from './ticket-selector';
import './attendee.css';

/**
 * The public page of an event: details, tickets and the way to checkout. A former slug
 * of a published event leads on to its current one (see FormerSlugRedirect).
 */
export function EventPage({ slug }: { slug: string }) {
  usePromoterAttribution(slug);
  return (
    <WithPublicEvent slug={slug} notFound={<FormerSlugRedirect slug={slug} />}>
      {(event) => <EventDetails event={event} />}
    </WithPublicEvent>
  );
}

function EventDetails({ event }: { event: PublicEvent }) {
  useRecordPendingVisits(event.slug, event.attribution_window_days);
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  // Coming back from checkout ("Change tickets") keeps the tickets chosen before.
  const [quantities, setQuantities] = useState<ReadonlyMap<string, number>>(() => cartFromSearchParams(searchParams));
  const [problem, setProblem] = useState<string | null>(null);

  const onSale = !salesClosed(event);
  const anyAvailable = event.ticketTypes.some((ticketType) => ticketsAvailable(ticketType) > 0);
  const chosen = new Map(
    event.ticketTypes
      .map((ticketType) => [ticketType.id, Math.min(quantities.get(ticketType.id) ?? 0, ticketsAvailable(ticketType))] as const)
      .filter(([, quantity]) => quantity > 0),
  );
  const count = cartTicketCount(chosen);
  const total = event.ticketTypes.reduce((sum, ticketType) => sum + ticketType.price_minor * (chosen.get(ticketType.id) ?? 0), 0);

  function changeQuantity(ticketTypeId: string, quantity: number) {
    setProblem(null);
    setQuantities((previous) => new Map(previous).set(ticketTypeId, quantity));
  }

  function continueToCheckout(formEvent: FormEvent<HTMLFormElement>) {
    formEvent.preventDefault();
    if (count === 0) {
      setProblem('Please choose at least one ticket.');
      return;
    }
    if (count > MAX_PER_ORDER) {
      setProblem(`You can buy at most ${MAX_PER_ORDER} tickets in one order.`);
      return;
    }
    navigate(`${paths.checkout(event.slug)}?${cartToSearchParams(chosen)}`);
  }

  return (
    <article className="att-event">
      <DocumentTitle title={event.name} />
      <EventHeader name={event.name} startsAt={event.starts_at} endsAt={event.ends_at} venue={event.venue} />
      {event.description ? <p className="att-event-description">{event.description}</p> : null}

      <section className="att-card" aria-labelledby="tickets-heading">
        <h2 id="tickets-heading">Tickets</h2>
        {!onSale ? (
          <p>Ticket sales for this event have closed.</p>
        ) : event.ticketTypes.length === 0 ? (
          <p>Tickets are not on sale yet. Please check back later.</p>
        ) : (
          <form onSubmit={continueToCheckout} noValidate>
            <TicketSelector
              ticketTypes={event.ticketTypes}
              currency={event.currency}
              quantities={quantities}
              onChange={changeQuantity}
            />
            {anyAvailable ? (
              <>
                <p className="att-selection-total" aria-live="polite">
                  {count === 0
                    ? 'No tickets selected'
                    : `${count === 1 ? '1 ticket' : `${count} tickets`}: ${formatMoney(total, event.currency)}`}
                </p>
                {problem ? (
                  <p className="att-field-error" role="alert">
                    {problem}
                  </p>
                ) : null}
                <Button type="submit" variant="primary">
                  Continue to checkout
                </Button>
              </>
            ) : (
              <p className="att-sold-out-notice">This event is sold out.</p>
            )}
          </form>
        )}
      </section>
    </article>
  );
}
