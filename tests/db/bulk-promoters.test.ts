/**
 * Less busywork: promoters active on all future events (a link on every new event),
 * import_promoters() (all-or-nothing, re-validated, capped) and
 * bulk_activate_promoters() (one call, idempotent).
 *
 * The races run on real parallel connections with DATABASE_URL; PGlite has a single
 * connection.
 */
import { describe, expect, it } from 'vitest';
import { anonymous, inRollback, type Persona, type PersonaTx } from './support/personas.ts';
import { Racer } from './support/race.ts';
import { databaseWithWorld, ids, people } from './support/world.ts';

const testDb = databaseWithWorld();

const { ownerA, adminA, memberA, ownerB, loner } = people;

interface ImportRow {
  name?: unknown;
  promo_code?: unknown;
  email?: unknown;
  phone?: unknown;
  groups?: unknown;
}
interface ReportRow {
  row: number;
  name: string;
  promo_code: string;
  generated: boolean;
  groups: string[];
  errors: { field: string; code: string; message: string }[];
}
interface Report {
  rows: ReportRow[];
  rows_with_errors: number;
  new_groups: string[];
  imported: number;
}

const importSql = 'select public.import_promoters($1, $2::jsonb, $3) as report';
const importParams = (rows: ImportRow[] | unknown, dryRun = false, organizationId = ids.orgA) => [organizationId, JSON.stringify(rows), dryRun];
const activateSql = 'select public.bulk_activate_promoters($1, $2, $3::uuid[]) as result';
const saveEventSql = 'select public.save_event($1, null, $2, $3, $4, $5, $6, $7::jsonb) as id';
const saveEventParams = (slug: string, organizationId = ids.orgA) => [
  organizationId,
  'New Show',
  slug,
  '',
  '',
  new Date(Date.now() + 30 * 86_400_000).toISOString(),
  JSON.stringify([{ name: 'Entry', price_minor: 1000, capacity: 100 }]),
];
const savePromoterSql = 'select public.save_promoter($1, $2, $3, $4, null, null, null, $5::uuid[], $6::uuid[], $7) as id';

const detail = (error: { detail?: string }) => JSON.parse(error.detail ?? '{}') as Record<string, unknown>;
const promoterCount = (s: PersonaTx, organizationId = ids.orgA) =>
  s.value<number>('select count(*)::int from public.promoters where organization_id = $1', [organizationId]);
const linksOf = (s: PersonaTx, eventId: string) =>
  s.rows<{ promoter_id: string; active: boolean }>('select promoter_id, active from public.event_promoters where event_id = $1 order by promoter_id', [eventId]);

describe('active on all future events', () => {
  it('a new event gets an active link for each promoter with the option, and only for them', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      await s.rows('update public.promoters set active_on_future_events = true where id in ($1, $2)', [ids.promoters.maya, ids.promoters.ina]);
      const eventId = await s.value<string>(saveEventSql, saveEventParams('brand-new-show'));
      expect(await linksOf(s, eventId)).toEqual([
        { promoter_id: ids.promoters.maya, active: true },
        { promoter_id: ids.promoters.ina, active: true },
      ]);
      // Another organization's new event gets none of them.
      await s.as(ownerB);
      const other = await s.value<string>(saveEventSql, saveEventParams('b-brand-new-show', ids.orgB));
      expect(await linksOf(s, other)).toEqual([]);
    });
  });

  it('works for any insert of an event, also by the service role', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      await s.rows('update public.promoters set active_on_future_events = true where id = $1', [ids.promoters.lone]);
      await s.as({ label: 'service role', role: 'service_role' });
      const eventId = await s.value<string>(
        `insert into public.events (organization_id, slug, name, starts_at, currency, status)
         values ($1, 'service-made-show', 'Service Show', now() + interval '5 days', 'USD', 'draft') returning id`,
        [ids.orgA],
      );
      expect(await linksOf(s, eventId)).toEqual([{ promoter_id: ids.promoters.lone, active: true }]);
    });
  });

  it('save_promoter sets the option, keeps it when passed null, and never touches existing events', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const before = await s.value<number>('select count(*)::int from public.event_promoters');
      const id = await s.value<string>(savePromoterSql, [ids.orgA, null, 'Future Fan', 'FUTURE', [], [], true]);
      expect(await s.value('select active_on_future_events from public.promoters where id = $1', [id])).toBe(true);
      expect(await s.value<number>('select count(*)::int from public.event_promoters')).toBe(before);
      await s.value(savePromoterSql, [ids.orgA, id, 'Future Fan', 'FUTURE', null, null, null]);
      expect(await s.value('select active_on_future_events from public.promoters where id = $1', [id])).toBe(true);
      // The signature without the option (as older clients call it) still works.
      await s.value('select public.save_promoter($1, $2, $3, $4, null, null, null) as id', [ids.orgA, id, 'Future Fan', 'FUTURE']);
      await s.value(savePromoterSql, [ids.orgA, id, 'Future Fan', 'FUTURE', null, null, false]);
      expect(await s.value('select active_on_future_events from public.promoters where id = $1', [id])).toBe(false);
    });
  });

  it('an outsider cannot switch the option on for another organization’s promoter', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerB);
      expect(await s.affected('update public.promoters set active_on_future_events = true where id = $1', [ids.promoters.maya])).toBe(0);
      expect((await s.refused(savePromoterSql, [ids.orgA, ids.promoters.maya, 'Maya Okafor', 'MAYA', null, null, true])).message).toBe('not_authorized');
    });
  });
});

describe('import_promoters', () => {
  const goodRows: ImportRow[] = [
    { name: 'Nora Quist', promo_code: 'NORA', email: 'nora@example.com', phone: '+31 6 1234', groups: ['Summer Team', 'Night Owls'] },
    { name: 'Omar Reyes', promo_code: '', email: '', groups: ['night owls'] },
  ];

  for (const persona of [ownerA, adminA, memberA] as Persona[]) {
    it(`${persona.label} imports every row, creating missing groups and generating blank codes`, async () => {
      await inRollback(testDb.db, async (s) => {
        await s.as(persona);
        const before = await promoterCount(s);
        const report = await s.value<Report>(importSql, importParams(goodRows));
        expect(report.imported).toBe(2);
        expect(report.new_groups).toEqual(['Night Owls']);
        expect(report.rows.map((r) => [r.promo_code, r.generated])).toEqual([
          ['NORA', false],
          ['OMARREYES', true],
        ]);
        expect(await promoterCount(s)).toBe(before + 2);
        const groups = await s.rows<{ name: string; members: string }>(
          `select g.name, string_agg(p.promo_code, ',' order by p.promo_code) as members
           from public.promoter_groups g join public.promoter_group_members m on m.group_id = g.id join public.promoters p on p.id = m.promoter_id
           where g.organization_id = $1 and g.name in ('Summer Team', 'Night Owls') group by g.name order by g.name`,
          [ids.orgA],
        );
        expect(groups).toEqual([
          { name: 'Night Owls', members: 'NORA,OMARREYES' },
          { name: 'Summer Team', members: 'MAYA,NORA' },
        ]);
      });
    });
  }

  it('refuses an outsider, a member of another organization and an anonymous caller', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [ownerB, loner]) {
        await s.as(persona);
        expect((await s.refused(importSql, importParams(goodRows))).message).toBe('not_authorized');
      }
      await s.as(anonymous);
      expect((await s.refused(importSql, importParams(goodRows))).code).toBe('42501');
      await s.asOwner();
      expect(await s.value('select count(*)::int from public.promoters where promo_code = $1', ['NORA'])).toBe(0);
    });
  });

  it('its private steps refuse anonymous callers, and run for a member with only what the member may do', async () => {
    const writeSql = `select private.import_write_rows($1, '[{"name": "Pia Sol", "promo_code": "PIASOL", "groups": []}]', '{}')`;
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      for (const sql of [
        `select private.import_group_names($1, '["Crew"]')`,
        `select private.import_generated_code($1, 'Pia Sol', '{}', '{}', true)`,
        `select private.import_checked_row($1, '{"name": "Pia Sol"}', 1, '{}', '{}', true)`,
        writeSql,
      ]) {
        expect((await s.refused(sql, [ids.orgA])).code, sql).toBe('42501');
      }
      await s.as(ownerB);
      expect((await s.refused(writeSql, [ids.orgA])).code).toBe('42501');
      await s.as(memberA);
      await s.rows(writeSql, [ids.orgA]);
      await s.asOwner();
      expect(await s.value('select count(*)::int from public.promoters where promo_code = $1', ['PIASOL'])).toBe(1);
    });
  });

  it('one bad row: import_refused with the row numbers and errors, nothing written; the fixed file imports', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const before = await promoterCount(s);
      const groupsBefore = await s.value<number>('select count(*)::int from public.promoter_groups');
      const rows: ImportRow[] = [...goodRows, { name: 'Pia Sand', promo_code: 'PIA', email: 'not-an-email', groups: ['Brand New Group'] }];
      const error = await s.refused(importSql, importParams(rows));
      expect(error).toMatchObject({ code: 'P0001', message: 'import_refused', hint: 'Nothing was imported: 1 of 3 rows have errors.' });
      expect(detail(error)).toEqual({
        rows: [{ row: 3, errors: [{ field: 'email', code: 'invalid_email', message: 'Enter an email address like name@example.com, or leave it empty.' }] }],
      });
      expect(await promoterCount(s)).toBe(before);
      expect(await s.value<number>('select count(*)::int from public.promoter_groups')).toBe(groupsBefore);

      rows[2] = { ...rows[2], email: 'pia@example.com' };
      expect((await s.value<Report>(importSql, importParams(rows))).imported).toBe(3);
      expect(await promoterCount(s)).toBe(before + 3);
    });
  });

  it('names every problem per row: empty name, bad code, duplicate in the file, taken now or formerly, bad phone, bad groups', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      // MAYA gives up OLDMAYA: the former code stays hers.
      await s.rows("update public.promoters set promo_code = 'OLDMAYA' where id = $1", [ids.promoters.maya]);
      await s.rows("update public.promoters set promo_code = 'MAYA' where id = $1", [ids.promoters.maya]);
      const rows: (ImportRow | string)[] = [
        { name: '  ', promo_code: 'EMPTY1' },
        { name: 'Bad Code', promo_code: 'no spaces!' },
        { name: 'First', promo_code: 'twin' },
        { name: 'Second', promo_code: 'TWIN' },
        { name: 'Taken', promo_code: 'maya' },
        { name: 'Former', promo_code: 'oldmaya' },
        { name: 'Phone', phone: 'x'.repeat(41) },
        { name: 'Groups', groups: ['ok', ''] },
        'not an object',
      ];
      const report = await s.value<Report>(importSql, importParams(rows, true));
      expect(report.rows_with_errors).toBe(8);
      expect(report.rows.map((r) => r.errors.map((e) => `${e.field}:${e.code}`))).toEqual([
        ['name:invalid_name'],
        ['promo_code:invalid_promo_code'],
        [],
        ['promo_code:promo_code_duplicate'],
        ['promo_code:promo_code_taken'],
        ['promo_code:promo_code_taken'],
        ['phone:invalid_phone'],
        ['groups:invalid_group'],
        ['row:invalid_import_rows', 'name:invalid_name'],
      ]);
      const error = await s.refused(importSql, importParams(rows));
      expect(error.message).toBe('import_refused');
      expect((detail(error).rows as { row: number }[]).map((r) => r.row)).toEqual([1, 2, 4, 5, 6, 7, 8, 9]);
    });
  });

  it('a dry run writes nothing, and generated codes are valid, unique in the file and free in the organization', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const before = await promoterCount(s);
      const rows: ImportRow[] = [
        { name: 'Maya' }, // MAYA is taken: MAYA2
        { name: 'Maya' }, // and MAYA2 by the row above: MAYA3
        { name: 'Explicit', promo_code: 'MAYA4' }, // an explicit code wins over generation
        { name: 'Maya' },
        { name: 'Él' }, // too short once reduced: a generic base
        { name: 'Zoë Ångström-Øre, Jr.' },
      ];
      const report = await s.value<Report>(importSql, importParams(rows, true));
      expect(report.imported).toBe(0);
      expect(await promoterCount(s)).toBe(before);
      const codes = report.rows.map((r) => r.promo_code);
      expect(codes).toEqual(['MAYA2', 'MAYA3', 'MAYA4', 'MAYA5', 'PROMOTER', 'ZOEANGSTROMO']);
      const pattern = new RegExp(await s.value<string>('select private.promo_code_pattern()'));
      for (const code of codes) expect(code).toMatch(pattern);

      const imported = await s.value<Report>(importSql, importParams(rows));
      expect(imported.rows.map((r) => r.promo_code)).toEqual(codes);
      expect(await promoterCount(s)).toBe(before + rows.length);
    });
  });

  it(`refuses more rows than the cap, an empty list and a non-list before looking at any row`, async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const cap = await s.value<number>('select private.max_import_rows()');
      expect(cap).toBe(1000);
      const tooMany = Array.from({ length: cap + 1 }, (_, i) => ({ name: `P ${i}`, promo_code: `CAP${i}` }));
      const error = await s.refused(importSql, importParams(tooMany));
      expect(error).toMatchObject({ message: 'import_too_large' });
      expect(detail(error)).toEqual({ max: cap, rows: cap + 1 });
      expect((await s.refused(importSql, importParams([]))).message).toBe('invalid_import_rows');
      expect((await s.refused(importSql, importParams({ name: 'x' }))).message).toBe('invalid_import_rows');
    });
  });
});

describe('bulk_activate_promoters', () => {
  const { maya, jonas, ina, lone, bert } = ids.promoters;

  for (const persona of [ownerA, adminA, memberA] as Persona[]) {
    it(`${persona.label}: creates missing links, reactivates an inactive one, leaves active ones; a second call changes nothing`, async () => {
      await inRollback(testDb.db, async (s) => {
        await s.as(persona);
        // On aLive: maya and jonas active, ina inactive, lone none.
        const first = await s.value(activateSql, [ids.orgA, ids.events.aLive, [maya, jonas, ina, lone]]);
        expect(first).toEqual({ activated: 2, already_active: 2, event_name: 'A Live Show' });
        const links = await linksOf(s, ids.events.aLive);
        expect(links).toEqual([maya, jonas, ina, lone].map((promoter_id) => ({ promoter_id, active: true })));
        const again = await s.value(activateSql, [ids.orgA, ids.events.aLive, [maya, jonas, ina, lone, lone]]);
        expect(again).toEqual({ activated: 0, already_active: 4, event_name: 'A Live Show' });
        expect(await linksOf(s, ids.events.aLive)).toEqual(links);
      });
    });
  }

  it('refuses outsiders and anonymous callers, other organizations’ promoters and events, and empty selections', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [ownerB, loner]) {
        await s.as(persona);
        expect((await s.refused(activateSql, [ids.orgA, ids.events.aLive, [lone]])).message).toBe('not_authorized');
      }
      await s.as(anonymous);
      expect((await s.refused(activateSql, [ids.orgA, ids.events.aLive, [lone]])).code).toBe('42501');
      await s.as(ownerA);
      const foreign = await s.refused(activateSql, [ids.orgA, ids.events.aLive, [lone, bert]]);
      expect(foreign.message).toBe('promoter_not_found');
      expect(detail(foreign)).toEqual({ field: 'promoter_ids' });
      expect((await s.refused(activateSql, [ids.orgA, ids.events.bLive, [lone]])).message).toBe('event_not_found');
      expect((await s.refused(activateSql, [ids.orgA, ids.events.aLive, []])).message).toBe('invalid_promoter_ids');
      expect((await s.refused(activateSql, [ids.orgA, ids.events.aLive, null])).message).toBe('invalid_promoter_ids');
      await s.asOwner();
      expect(await s.value<number>('select count(*)::int from public.event_promoters where promoter_id = $1', [lone])).toBe(0);
    });
  });
});

describe.skipIf(!process.env.DATABASE_URL)('on parallel connections', () => {
  it('imports racing with overlapping codes: each wins entirely or writes nothing, never a 5xx error', async () => {
    const racer = new Racer(testDb.databaseUrl!, 8);
    try {
      // Each import shares codes with the next one, in a different order.
      const imports = Array.from({ length: 6 }, (_, i) => [
        { name: `Racer ${i} a`, promo_code: `RACE${i}` },
        { name: `Racer ${i} b`, promo_code: `RACE${(i + 1) % 6}` },
        { name: `Racer ${i} c` }, // a generated code
        { name: `Racer ${i} d`, groups: ['Racers', `Crew ${i % 2}`] },
      ]);
      const outcomes = await Promise.all(imports.map((rows) => racer.call(memberA, importSql, importParams(rows))));
      const failures = outcomes.filter((o) => !o.ok);
      for (const failure of failures) expect(failure.message).toBe('import_refused');
      expect(outcomes.filter((o) => o.ok).length).toBeGreaterThanOrEqual(1);

      await inRollback(testDb.db, async (s) => {
        const rows = await s.rows<{ name: string }>("select name from public.promoters where name like 'Racer %' order by name");
        const won = new Set(rows.map((r) => r.name.split(' ')[1]));
        // Only whole imports: four promoters for each winner, none for the others.
        expect(rows).toHaveLength(won.size * 4);
        expect(won.size).toBe(outcomes.filter((o) => o.ok).length);
        const codes = await s.rows<{ n: number }>(
          "select count(*)::int as n from public.promoters where organization_id = $1 group by lower(promo_code) having count(*) > 1",
          [ids.orgA],
        );
        expect(codes).toEqual([]);
      });
    } finally {
      await racer.end();
    }
  });

  it('bulk activation racing event saves and new events: no deadlock, every promoter linked once', async () => {
    const racer = new Racer(testDb.databaseUrl!, 10);
    const { maya, jonas, ina, lone } = ids.promoters;
    try {
      await racer.call(ownerA, 'update public.promoters set active_on_future_events = true where id = $1 returning id', [ina]);
      const activations = Array.from({ length: 6 }, () => racer.call(memberA, activateSql, [ids.orgA, ids.events.aOther, [maya, jonas, ina, lone]]));
      const saves = Array.from({ length: 4 }, (_, i) =>
        racer.call(
          ownerA,
          'select public.save_event($1, $2, $3, $4, $5, $6, $7, $8::jsonb) as id',
          [ids.orgA, ids.events.aOther, `A Other Show ${i}`, i % 2 ? 'a-other-show' : `a-other-show-${i}`, '', '', new Date(Date.now() + 86_400_000).toISOString(),
            JSON.stringify([{ id: ids.ticketTypes.aOtherEntry, name: 'Entry', price_minor: 1000, capacity: 50 }])],
        ),
      );
      const created = Array.from({ length: 4 }, (_, i) => racer.call(memberA, saveEventSql, saveEventParams(`raced-new-show-${i}`)));
      const outcomes = await Promise.all([...activations, ...saves, ...created]);
      expect(outcomes.filter((o) => !o.ok)).toEqual([]);

      await inRollback(testDb.db, async (s) => {
        const links = await linksOf(s, ids.events.aOther);
        expect(links.map((l) => l.promoter_id).sort()).toEqual([maya, jonas, ina, lone].sort());
        expect(links.every((l) => l.active)).toBe(true);
        const newLinks = await s.rows<{ n: number }>(
          "select count(*)::int as n from public.event_promoters l join public.events e on e.id = l.event_id where e.slug like 'raced-new-show-%' and l.promoter_id = $1",
          [ina],
        );
        expect(newLinks).toEqual([{ n: 4 }]);
      });
    } finally {
      await racer.end();
    }
  });
});
