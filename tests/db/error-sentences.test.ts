/**
 * Every error the database can raise is a sentence in the SPA's one table
 * (src/lib/errors.ts): every code raised in the migrations has its own sentence, the
 * generated list of codes matches the migrations, and constraint violations a form can
 * meet name the field instead of "Something went wrong".
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/lib/database.types.ts';
import { DATABASE_SENTENCES, FALLBACK_SENTENCE, errorMessage, sentenceFor } from '../../src/lib/errors.ts';
import { inRollback, type PgError } from './support/personas.ts';
import { checkout, databaseWithWorld, ids, people } from './support/world.ts';

const migrationsDir = fileURLToPath(new URL('../../supabase/migrations/', import.meta.url));

/** Codes raised anywhere in the migrations: `raise exception '<code>'` and `private.raise_invalid_field('<code>', …)`. */
async function codesInMigrations(): Promise<Map<string, string>> {
  const codes = new Map<string, string>();
  for (const file of (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort()) {
    const sql = await readFile(migrationsDir + file, 'utf8');
    for (const pattern of [/raise\s+exception\s+'([a-z][a-z0-9_]*)'/gi, /raise_invalid_field\(\s*'([a-z][a-z0-9_]*)'/g]) {
      for (const match of sql.matchAll(pattern)) if (!codes.has(match[1])) codes.set(match[1], file);
    }
  }
  return codes;
}

describe('every database error code has a sentence', () => {
  it('each code raised in the migrations has its own sentence in src/lib/errors.ts', async () => {
    const codes = await codesInMigrations();
    expect(codes.size).toBeGreaterThan(30);
    const missing = [...codes].filter(([code]) => !Object.hasOwn(DATABASE_SENTENCES, code)).map(([code, file]) => `${code} (${file})`);
    expect(missing, 'codes without a sentence').toEqual([]);
    for (const code of codes.keys()) {
      const sentence = errorMessage({ message: code, code: 'P0001' });
      expect(sentence, code).not.toBe(FALLBACK_SENTENCE);
      expect(sentence, code).toMatch(/[.!]$/);
    }
  });

  it('the generated list of codes is the list raised by the migrations', async () => {
    expect([...ErrorCodes].sort()).toEqual([...(await codesInMigrations()).keys()].sort());
  });

  it('the sentences that used to be missing or worded twice now exist once', () => {
    expect(errorMessage({ message: 'last_owner' })).toMatch(/at least one owner/);
    expect(errorMessage({ message: 'organization_mismatch' })).toMatch(/another organization/);
    expect(errorMessage({ message: 'invalid_date_range' })).toMatch(/start date on or before the end date/);
    expect(sentenceFor('sold_out', JSON.stringify({ name: 'VIP', available: 1 }))).toBe('Sorry, only 1 ticket of VIP is left. Please choose fewer tickets.');
    expect(sentenceFor('invalid_capacity', JSON.stringify({ field: 'ticket_types.capacity', name: 'Balcony' }))).toBe(
      '“Balcony”: capacity must be a whole number from 0 to 1,000,000.',
    );
  });
});

describe('constraint violations a form can meet name the field', () => {
  const testDb = databaseWithWorld();

  /** The error as supabase-js hands it to the SPA: PostgREST puts detail into `details`. */
  const asApiError = (error: PgError) => ({ code: error.code, message: error.message, details: error.detail ?? null, hint: error.hint ?? null });

  it('direct writes: promoter email and notes, group name, ticket capacity below sold, removing a sold ticket type', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.memberA);
      const email = await s.refused(`update public.promoters set email = 'not-an-email' where id = $1`, [ids.promoters.maya]);
      expect(errorMessage(asApiError(email))).toBe('Email address: this value is not allowed. Check its length and format.');
      const notes = await s.refused(`update public.promoters set notes = repeat('n', 200000) where id = $1`, [ids.promoters.maya]);
      expect(errorMessage(asApiError(notes))).toBe('Notes: this value is not allowed. Check its length and format.');
      const group = await s.refused(`update public.promoter_groups set name = '' where id = $1`, [ids.groups.aSummer]);
      expect(errorMessage(asApiError(group))).toBe('Name: this value is not allowed. Check its length and format.');

      await s.as({ label: 'anonymous', role: 'anon' });
      await checkout(s, { items: [{ ticket_type_id: ids.ticketTypes.aVip, quantity: 2 }] });
      await s.as(people.ownerA);
      const capacity = await s.refused('update public.ticket_types set capacity = 1 where id = $1', [ids.ticketTypes.aVip]);
      expect(errorMessage(asApiError(capacity))).toBe(sentenceFor('capacity_below_sold'));
      const removal = await s.refused('delete from public.ticket_types where id = $1', [ids.ticketTypes.aVip]);
      expect(errorMessage(asApiError(removal))).toMatch(/still used by other records \(such as orders\)/);
    });
  });

  it('through the save functions the same mistakes are refused by code, naming the field or the ticket type', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.memberA);
      const notes = await s.refused('select public.save_promoter($1, null, $2, $3, null, null, $4)', [ids.orgA, 'Rosa', 'ROSA', 'n'.repeat(200_000)]);
      expect(errorMessage(asApiError(notes))).toBe('Notes can be at most 2,000 characters long.');
      const email = await s.refused('select public.save_promoter($1, null, $2, $3, $4, null, null)', [ids.orgA, 'Rosa', 'ROSA', 'not-an-email']);
      expect(errorMessage(asApiError(email))).toBe('Enter a valid email address, like name@example.com.');
      const capacity = await s.refused('select public.save_event($1, null, $2, $3, $4, $5, now(), $6::jsonb)', [
        ids.orgA,
        'Big Night',
        'big-night',
        '',
        '',
        JSON.stringify([{ name: 'Floor', price_minor: 100, capacity: 99999999999999 }]),
      ]);
      expect(errorMessage(asApiError(capacity))).toBe('“Floor”: capacity must be a whole number from 0 to 1,000,000.');
    });
  });

  it('sign-up with not-an-email (GoTrue validation_failed) and unknown failures', () => {
    expect(errorMessage({ code: 'validation_failed', message: 'Unable to validate email address: invalid format' })).toBe(
      'Enter a valid email address, like name@example.com.',
    );
    expect(errorMessage(new TypeError('Failed to fetch'))).toMatch(/could not be reached/);
    expect(errorMessage({ code: 'XX000', message: 'internal' })).toBe(FALLBACK_SENTENCE);
  });
});
