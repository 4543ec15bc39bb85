import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Field, TextField } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { eventSlugPattern } from '@/lib/database.types';
import { sentenceFor } from '@/lib/errors';
import { minorToInput, parseMoneyInput } from '@/lib/format';
import type { OrganizerEvent } from '../api/get-events';
import { eventSlugFor, useSaveEvent } from '../api/save-event';

interface TicketRow {
  key: string;
  id?: string;
  name: string;
  price: string;
  capacity: string;
}

function toLocalInput(iso: string): string {
  const date = new Date(iso);
  const offset = date.getTimezoneOffset() * 60_000;
  return new Date(date.getTime() - offset).toISOString().slice(0, 16);
}

let rowCounter = 0;
const newRow = (): TicketRow => ({ key: `new-${++rowCounter}`, name: '', price: '', capacity: '' });

/** Create or edit an event with its ticket types (name, price, capacity). */
export function EventFormDialog({
  organizationId,
  currency,
  event,
  onClose,
}: {
  organizationId: string;
  currency: string;
  event?: OrganizerEvent;
  onClose: () => void;
}) {
  const [name, setName] = useState(event?.name ?? '');
  const [slug, setSlug] = useState(event?.slug ?? '');
  const [slugEdited, setSlugEdited] = useState(Boolean(event));
  const [venue, setVenue] = useState(event?.venue ?? '');
  const [description, setDescription] = useState(event?.description ?? '');
  const [startsAt, setStartsAt] = useState(event ? toLocalInput(event.starts_at) : '');
  const [rows, setRows] = useState<TicketRow[]>(
    event && event.ticket_types.length > 0
      ? event.ticket_types.map((ticket) => ({
          key: ticket.id,
          id: ticket.id,
          name: ticket.name,
          price: minorToInput(ticket.price_minor, event.currency),
          capacity: String(ticket.capacity),
        }))
      : [newRow()],
  );
  const [formError, setFormError] = useState<string | null>(null);
  const save = useSaveEvent({ onSuccess: onClose });
  const eventCurrency = event?.currency ?? currency;
  const effectiveSlug = slugEdited ? slug : eventSlugFor(name);

  function updateRow(key: string, changes: Partial<TicketRow>) {
    setRows((all) => all.map((row) => (row.key === key ? { ...row, ...changes } : row)));
  }

  function submit(formEvent: FormEvent) {
    formEvent.preventDefault();
    setFormError(null);
    if (!name.trim()) return setFormError('Please enter the event name.');
    if (!new RegExp(eventSlugPattern).test(effectiveSlug) || effectiveSlug.length < 3) {
      return setFormError(sentenceFor('invalid_slug'));
    }
    const startDate = new Date(startsAt);
    if (!startsAt || Number.isNaN(startDate.getTime())) return setFormError('Please choose when the event starts.');
    const ticketTypes = [];
    for (const row of rows) {
      if (!row.name.trim()) return setFormError('Every ticket type needs a name.');
      const price = parseMoneyInput(row.price, eventCurrency);
      if (price === null) return setFormError(`“${row.name}”: enter a price like 25 or 25.50 (0 for free).`);
      const capacity = Number(row.capacity);
      if (!/^\d+$/.test(row.capacity.trim()) || !Number.isSafeInteger(capacity)) return setFormError(`“${row.name}”: capacity must be a whole number.`);
      ticketTypes.push({ id: row.id, name: row.name, price_minor: price, capacity });
    }
    save.mutate({
      organizationId,
      id: event?.id,
      name,
      slug: effectiveSlug,
      description,
      venue,
      starts_at: startDate.toISOString(),
      ticketTypes,
    });
  }

  return (
    <Dialog open title={event ? 'Edit event' : 'New event'} onClose={onClose} size="lg">
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={save.error}>{formError}</FormError>
        <TextField label="Event name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        <div className="form-row">
          <TextField
            label="Web address"
            hint={`/events/${effectiveSlug || '…'}`}
            value={effectiveSlug}
            maxLength={80}
            onChange={(e) => {
              setSlugEdited(true);
              setSlug(e.target.value.toLowerCase());
            }}
          />
          <TextField label="Starts at" type="datetime-local" required value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
        </div>
        <TextField label="Venue" value={venue} onChange={(e) => setVenue(e.target.value)} />
        <Field label="Description">
          {(control) => <textarea className="textarea" {...control} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <fieldset className="checkbox-list">
          <legend>Ticket types ({eventCurrency})</legend>
          {rows.map((row, index) => (
            <div className="ticket-type-row" key={row.key} role="group" aria-label={`Ticket type ${index + 1}`}>
              <TextField label="Ticket name" value={row.name} onChange={(e) => updateRow(row.key, { name: e.target.value })} />
              <TextField label="Price" inputMode="decimal" value={row.price} onChange={(e) => updateRow(row.key, { price: e.target.value })} />
              <TextField label="Capacity" inputMode="numeric" value={row.capacity} onChange={(e) => updateRow(row.key, { capacity: e.target.value })} />
              <Button
                size="sm"
                variant="ghost"
                disabled={rows.length === 1}
                disabledReason="An event needs at least one ticket type."
                onClick={() => {
                  setRows((all) => all.filter((item) => item.key !== row.key));
                }}
              >
                Remove<span className="visually-hidden"> ticket type {index + 1}</span>
              </Button>
            </div>
          ))}
          <div>
            <Button size="sm" onClick={() => setRows((all) => [...all, newRow()])}>
              Add ticket type
            </Button>
          </div>
        </fieldset>
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" loading={save.isPending}>
            {event ? 'Save event' : 'Create event'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
