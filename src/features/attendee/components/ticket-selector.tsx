import type { PublicTicketType } from '../api/get-public-event';
import { ticketsAvailable } from '../api/get-public-event';
import { MAX_PER_TICKET_TYPE } from '../lib/cart';
import { formatMoney } from '@/lib/format';

interface TicketSelectorProps {
  ticketTypes: PublicTicketType[];
  currency: string;
  quantities: ReadonlyMap<string, number>;
  onChange: (ticketTypeId: string, quantity: number) => void;
}

function availabilityText(available: number): string {
  if (available === 0) return 'Sold out';
  return available === 1 ? '1 left' : `${available} available`;
}

/** One row per ticket type: name, price, what is left and a quantity picker. */
export function TicketSelector({ ticketTypes, currency, quantities, onChange }: TicketSelectorProps) {
  return (
    <ul className="att-ticket-list">
      {ticketTypes.map((ticketType) => {
        const available = ticketsAvailable(ticketType);
        const soldOut = available === 0;
        const max = Math.min(MAX_PER_TICKET_TYPE, available);
        const selectId = `quantity-${ticketType.id}`;
        const infoId = `ticket-info-${ticketType.id}`;
        return (
          <li key={ticketType.id} className={soldOut ? 'att-ticket att-ticket-sold-out' : 'att-ticket'}>
            <div className="att-ticket-info" id={infoId}>
              <span className="att-ticket-name">{ticketType.name}</span>
              <span className="att-ticket-price">{formatMoney(ticketType.price_minor, currency)}</span>
              <span className="att-ticket-availability">{availabilityText(available)}</span>
            </div>
            <div className="att-ticket-quantity">
              <label htmlFor={selectId}>
                Quantity<span className="att-visually-hidden"> for {ticketType.name}</span>
              </label>
              <select
                id={selectId}
                aria-describedby={infoId}
                value={Math.min(quantities.get(ticketType.id) ?? 0, max)}
                disabled={soldOut}
                onChange={(event) => onChange(ticketType.id, Number(event.target.value))}
              >
                {Array.from({ length: max + 1 }, (_, quantity) => (
                  <option key={quantity} value={quantity}>
                    {quantity}
                  </option>
                ))}
              </select>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
