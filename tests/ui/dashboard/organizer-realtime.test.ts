/**
 * The organizer's lazily loaded Realtime client (src/lib/organizer-realtime.ts) against the
 * emulator: it is handed out holding the member's token, so the first join of the
 * organization's private channel is accepted, not refused and retried.
 */
import type { RealtimeChannel, RealtimeClient } from '@supabase/supabase-js';
import { waitFor } from '@testing-library/react';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOrganizerRealtime } from '@/lib/organizer-realtime';
import { emulatorAnonKey, emulatorUrl, organizerWithOrganization, startDashboardEmulator, stopDashboardEmulator } from './harness';

let realtime: RealtimeClient | undefined;

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await realtime?.removeAllChannels();
  realtime?.disconnect();
  await stopDashboardEmulator();
});

it('joins the organization channel on the first attempt, with the signed-in member\u2019s token', async () => {
  const organizer = await organizerWithOrganization('Live Hall');
  const { data: session } = await organizer.api.auth.getSession();
  const token = session.session!.access_token;
  realtime = await createOrganizerRealtime({
    apiBase: `${emulatorUrl()}/`,
    anonKey: emulatorAnonKey(),
    auth: organizer.api.auth,
    accessToken: async () => (await organizer.api.auth.getSession()).data.session?.access_token ?? emulatorAnonKey(),
  });
  expect(realtime.accessTokenValue).toBe(token);

  const { data: topic, error } = await organizer.api.rpc('organization_live_topic', { p_organization_id: organizer.organizationId });
  expect(error).toBeNull();
  const states: string[] = [];
  const channel: RealtimeChannel = realtime.channel(topic!, { config: { private: true } });
  channel.subscribe((state) => states.push(state));
  await waitFor(() => expect(states).toContain('SUBSCRIBED'));
  expect(states).toEqual(['SUBSCRIBED']);
});
