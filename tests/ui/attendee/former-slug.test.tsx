import { screen, waitFor } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { attributionTokenFor } from '@/features/attendee/lib/attendee-session';
import { admin, make, renderAttendee, resetBrowserSession, startAttendeeEmulator, stopAttendeeEmulator } from './harness';
import type { Organization } from '../../helpers/factory';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));
vi.mock('@/lib/public-api', () => import('../support/spa-client'));

let fixture: Organization;

beforeAll(async () => {
  await startAttendeeEmulator();
  fixture = await make().organization({ currency: 'USD' });
});
afterAll(stopAttendeeEmulator);
beforeEach(resetBrowserSession);

async function rename(eventId: string, slug: string): Promise<void> {
  const { error } = await admin().from('events').update({ slug }).eq('id', eventId);
  if (error) throw new Error(error.message);
}

describe('links with a former slug of a renamed event', () => {
  it('lead to the event at its current address, keeping the promoter and the rest of the query, and credit the promoter', async () => {
    const event = await make().event(fixture, { name: 'Renamed Revue' });
    const promoter = await make().promoter(fixture, { events: [event.id] });
    const current = `${event.slug}-2031`;
    await rename(event.id, current);

    const view = renderAttendee(`/events/${event.slug}?promoter=${promoter.promo_code}&utm_source=flyer`);
    expect(await screen.findByRole('heading', { level: 1, name: 'Renamed Revue' })).toBeInTheDocument();
    expect(view.location()).toBe(`/events/${current}?promoter=${promoter.promo_code}&utm_source=flyer`);
    await waitFor(() => expect(attributionTokenFor(current)).toEqual(expect.any(String)));
    const { data: visits } = await admin().from('promoter_visits').select('event_id').eq('promoter_id', promoter.id);
    expect(visits).toEqual([{ event_id: event.id }]);
  });

  it('follow several renames', async () => {
    const event = await make().event(fixture, { name: 'Twice Renamed' });
    await rename(event.id, `${event.slug}-b`);
    await rename(event.id, `${event.slug}-c`);
    const view = renderAttendee(`/events/${event.slug}`);
    expect(await screen.findByRole('heading', { level: 1, name: 'Twice Renamed' })).toBeInTheDocument();
    expect(view.location()).toBe(`/events/${event.slug}-c`);
  });

  it('show the not-found page when the renamed event is no longer published', async () => {
    const event = await make().event(fixture, { name: 'Withdrawn Show' });
    await rename(event.id, `${event.slug}-new`);
    await admin().from('events').update({ status: 'draft' }).eq('id', event.id);
    const view = renderAttendee(`/events/${event.slug}?promoter=ANY`);
    expect(await screen.findByRole('heading', { level: 1, name: 'Event not found' })).toBeInTheDocument();
    expect(screen.queryByText('Withdrawn Show')).not.toBeInTheDocument();
    expect(view.location()).toBe(`/events/${event.slug}?promoter=ANY`);
  });
});
