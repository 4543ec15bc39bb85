/**
 * The hostile-input suite, declared once and run by the bounded security project and by
 * the long stress run with different run counts.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicChecksum, createWorld, type World } from './world.ts';
import {
  body,
  checkoutArgs,
  frame,
  heartbeat,
  hostileTarget,
  openSocket,
  queryString,
  send,
  type HostileSuiteOptions,
  type HostileTarget,
} from './hostile.ts';

export function hostileInputSuite({ runs, timeoutMs }: HostileSuiteOptions): void {
  let world: World;
  let target: HostileTarget;
  let before: Record<string, string>;

  beforeAll(async () => {
    world = await createWorld();
    target = await hostileTarget(world);
    before = await publicChecksum(world.db);
  }, 120_000);

  afterAll(async () => {
    if (!world) return;
    console.info(`hostile input: ${target.sent.requests} requests and ${target.sent.frames} WebSocket frames sent`);
    await world.stop();
  });

  describe(`hostile input (${runs} runs per property)`, () => {
    it(
      'REST reads with hostile filters, select, order and paging are answered with JSON and never a 5xx',
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...target.tables, 'no_such_table', 'pg_user', '..%2F..%2Fauth.users'), queryString(target), fc.boolean(), fc.constantFrom('GET', 'HEAD'), async (table, query, asMember, method) => {
            await send(target, method, `/rest/v1/${table}?${query}`, { asMember });
          }),
          { numRuns: runs },
        );
      },
      timeoutMs,
    );

    it(
      'REST reads with hostile Range, Prefer and Accept headers are answered with JSON',
      async () => {
        const header = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('0-', '-1', '5-2', '0-99999999999999999999', 'items=0-1', 'count=exact', 'count=planned,return=representation', 'application/vnd.pgrst.object+json', 'text/csv', 'application/geo+json', '*/*'));
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...target.tables), header, header, header, async (table, range, prefer, accept) => {
            const headers: Record<string, string> = {};
            // Header values must be Latin-1 without control characters to be sent at all.
            const clean = (value: string) => value.replace(/[^\x20-\x7e]/g, '');
            headers.Range = clean(range);
            headers.Prefer = clean(prefer);
            headers.Accept = clean(accept) || '*/*';
            const outcome = await send(target, 'GET', `/rest/v1/${table}?select=*`, { headers, asMember: true }).catch((error: unknown) => {
              // Answers in a format other than JSON (csv) are legitimate for Accept: text/csv.
              if (headers.Accept.includes('csv')) return { status: 200, text: '' };
              throw error;
            });
            expect(outcome.status).toBeLessThan(500);
          }),
          { numRuns: runs },
        );
      },
      timeoutMs,
    );

    it(
      'anonymous writes with hostile bodies are refused cleanly and change nothing',
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...target.tables), fc.constantFrom('POST', 'PATCH', 'DELETE', 'PUT'), queryString(target), body(), async (table, method, query, payload) => {
            // Status < 500 and JSON are checked by send(); an anonymous write may be a
            // no-op 204 (an empty update), but it may never change a row.
            await send(target, method, `/rest/v1/${table}?${query}`, { body: method === 'DELETE' ? undefined : payload });
          }),
          { numRuns: runs },
        );
        expect(await publicChecksum(world.db)).toEqual(before);
      },
      timeoutMs,
    );

    it(
      'checkout with arbitrary JSON arguments is refused with a JSON error and writes nothing',
      async () => {
        await fc.assert(
          fc.asyncProperty(checkoutArgs(world.a.publishedEventSlug), fc.boolean(), async (args, asMember) => {
            const outcome = await send(target, 'POST', '/rest/v1/rpc/checkout', { body: args, asMember });
            expect(outcome.status).toBeGreaterThanOrEqual(400);
          }),
          { numRuns: runs },
        );
        expect(await publicChecksum(world.db)).toEqual(before);
      },
      timeoutMs,
    );

    it(
      'every RPC (and made-up ones) with hostile arguments answers with JSON, never a 5xx',
      async () => {
        const name = fc.oneof(fc.constantFrom(...target.functions), fc.string({ maxLength: 20 }).map(encodeURIComponent));
        await fc.assert(
          fc.asyncProperty(name, body(), queryString(target), fc.boolean(), fc.constantFrom('POST', 'GET'), async (fn, payload, query, asMember, method) => {
            await send(target, method, `/rest/v1/rpc/${fn}?${method === 'GET' ? query : ''}`, { body: method === 'POST' ? payload : undefined, asMember });
          }),
          { numRuns: runs },
        );
        // Random arguments to track_promoter_visit never match a real code, and the
        // signed-in member's calls are refused (create_organization needs a valid name
        // and random ones may pass, so organizations are compared without it).
        const after = await publicChecksum(world.db);
        for (const table of ['orders', 'order_items', 'attributions', 'promoter_visits', 'promoters', 'events', 'ticket_types']) {
          expect(after[table], table).toBe(before[table]);
        }
      },
      timeoutMs,
    );

    it(
      'auth endpoints with hostile bodies answer with JSON errors, never a 5xx',
      async () => {
        const path = fc.constantFrom('/auth/v1/signup', '/auth/v1/token?grant_type=password', '/auth/v1/token?grant_type=refresh_token', '/auth/v1/token?grant_type=nonsense', '/auth/v1/logout', '/auth/v1/user', '/auth/v1/recover', '/auth/v1/otp', '/auth/v1/verify', '/auth/v1/nothing');
        await fc.assert(
          fc.asyncProperty(path, body(), fc.constantFrom('POST', 'PUT', 'GET'), async (route, payload, method) => {
            const outcome = await send(target, method, route, { body: method === 'GET' ? undefined : payload });
            if (method === 'GET' && route === '/auth/v1/verify') {
              // The emailed link: GoTrue redirects, with the error in the fragment.
              expect(outcome.status).toBe(303);
              expect(new URL(outcome.location!).hash).toMatch(/error=/);
            } else {
              expect(outcome.status).toBeGreaterThanOrEqual(400);
            }
          }),
          { numRuns: Math.max(50, Math.floor(runs / 4)) },
        );
      },
      timeoutMs,
    );

    it(
      'random WebSocket frames never crash the server: each socket keeps answering heartbeats or is closed, and HTTP still works',
      async () => {
        let sockets = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(frame(), { minLength: 1, maxLength: 8 }), async (frames) => {
            const socket = await openSocket(target);
            sockets++;
            try {
              for (const data of frames) {
                target.sent.frames++;
                socket.ws.send(data);
              }
              const alive = socket.closed() ? false : await heartbeat(socket, `hb-${randomUUID()}`);
              // Either the server still serves this socket, or it closed it; never silence.
              expect(alive || socket.closed()).toBe(true);
              for (const text of socket.texts) {
                expect(() => JSON.parse(text), text).not.toThrow();
              }
            } finally {
              socket.ws.terminate();
            }
          }),
          { numRuns: runs },
        );
        expect(sockets).toBe(runs);
        const health = await send(target, 'GET', '/rest/v1/events?select=id&limit=1');
        expect(health.status).toBe(200);
      },
      timeoutMs,
    );

    it('known nasty requests are answered with JSON errors, never a 5xx', async () => {
      const slug = world.a.publishedEventSlug;
      const cases: [string, string, string?][] = [
        ['GET', `/rest/v1/events?select=id&name=eq.${encodeURIComponent('a\u0000b')}`],
        ['GET', '/rest/v1/events?select=id&limit=1e400'],
        ['GET', '/rest/v1/events?select=id&limit=-1'],
        ['GET', '/rest/v1/events?select=id&offset=99999999999999999999'],
        ['GET', '/rest/v1/events?select=id&id=in.(' + 'x,'.repeat(20_000) + 'x)'],
        ['GET', '/rest/v1/events?select=' + 'ticket_types('.repeat(200) + 'id' + ')'.repeat(200)],
        ['GET', '/rest/v1/events?select=id&or=' + '('.repeat(5000) + ')'.repeat(5000)],
        ['GET', '/rest/v1/events?select=id&starts_at=gt.294277-01-01'],
        ['GET', '/rest/v1/events?select=id&name=match.' + encodeURIComponent('(a+)+$')],
        ['GET', '/rest/v1/events?select=id&name=match.' + encodeURIComponent('[')],
        ['GET', '/rest/v1/events?select=id&name=fts(zz_invalid).x'],
        ['GET', '/rest/v1/events?select=id::int'],
        // Two relationships between events and promoters: PostgREST's 300 with a JSON error (PGRST201).
        ['GET', '/rest/v1/events?select=id,promoters()'],
        ['GET', '/rest/v1/events?select=name->>0->1'],
        ['GET', '/rest/v1/events?select=id&order=' + 'id,'.repeat(5000) + 'id'],
        ['GET', '/rest/v1/%C0%AF'],
        ['GET', '/rest/v1/events%00?select=id'],
        ['GET', '/rest/v1/rpc/checkout?p_event_slug=' + slug],
        ['POST', '/rest/v1/rpc/checkout', '['.repeat(200_000) + ']'.repeat(200_000)],
        ['POST', '/rest/v1/rpc/checkout', JSON.stringify({ p_event_slug: slug, p_items: JSON.parse('['.repeat(3000) + ']'.repeat(3000)), p_buyer_name: 'x', p_buyer_email: 'x@example.com', p_idempotency_key: randomUUID() })],
        ['POST', '/rest/v1/rpc/checkout', JSON.stringify({ p_event_slug: slug, p_items: [{ ticket_type_id: world.a.ticketTypeId, quantity: 1 }], p_buyer_name: 'x', p_buyer_email: 'x@example.com', p_idempotency_key: 'not-a-uuid' })],
        ['POST', '/rest/v1/rpc/checkout', JSON.stringify({ p_event_slug: slug, p_items: [{ ticket_type_id: world.a.ticketTypeId, quantity: 1 }], p_buyer_name: '\u0000', p_buyer_email: 'x@example.com', p_idempotency_key: randomUUID() })],
        ['POST', '/rest/v1/rpc/track_promoter_visit', JSON.stringify({ p_event_slug: slug, p_promo_code: world.a.promoCode, p_session_id: 'nope' })],
        ['POST', '/rest/v1/rpc/track_promoter_visit', JSON.stringify({ p_event_slug: { a: 1 }, p_promo_code: [1], p_session_id: 5 })],
        // The shapes from the cost-bounds issue: a 24-level embedding, embeddings that
        // multiply, a 500-level logic tree and an 8,000-level checkout body.
        ['GET', '/rest/v1/events?select=' + 'id,ticket_types(id,events('.repeat(12) + 'id' + '))'.repeat(12)],
        ['GET', '/rest/v1/events?select=' + 'id,orders(id,events('.repeat(3) + 'id' + '))'.repeat(3)],
        ['GET', '/rest/v1/events?select=id&not.and=(' + 'and('.repeat(499) + 'id.not.is.null' + ')'.repeat(499) + ')'],
        ['POST', '/rest/v1/rpc/checkout', `{"p_event_slug":"${slug}","p_items":${'['.repeat(8000)}${']'.repeat(8000)},"p_buyer_name":"x","p_buyer_email":"x@example.com","p_idempotency_key":"${randomUUID()}"}`],
        ['POST', '/rest/v1/events', '{"__proto__":{"status":"published"}}'],
        ['POST', '/rest/v1/events?columns=' + encodeURIComponent('id); drop table public.orders; --'), '{}'],
        ['PATCH', '/rest/v1/events', '{"name":"everything"}'],
        ['DELETE', '/rest/v1/events'],
      ];
      for (const [method, path, payload] of cases) {
        await send(target, method, path, { body: payload });
        await send(target, method, path, { body: payload, asMember: true });
      }
      expect(await publicChecksum(world.db)).toEqual(before);
    });

    it('after everything, the database is intact and the server serves a real checkout', async () => {
      const { data, error } = await world.clients.anonymous.rpc('checkout', {
        p_event_slug: world.a.publishedEventSlug,
        p_items: [{ ticket_type_id: world.a.ticketTypeId, quantity: 1 }],
        p_buyer_name: 'After the storm',
        p_buyer_email: 'after@example.com',
        p_idempotency_key: randomUUID(),
      });
      expect(error).toBeNull();
      expect(data).toMatchObject({ ticket_count: 1 });
    });
  });
}
