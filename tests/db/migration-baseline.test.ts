/**
 * The migrations up to BASELINE_VERSION are one baseline (docs/decisions/027-one-baseline.md):
 * each function, policy and trigger is created in one file only, in its final form. A
 * change after the baseline is a new migration, which may replace what the baseline
 * defines; the baseline files themselves stay as deployed projects applied them.
 *
 * The SQL text is read with plain patterns, so the test needs no database and runs the
 * same on PGlite and on Postgres.
 */
import { readFile, readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/** The version of the last file of the baseline. */
const BASELINE_VERSION = '20261203100000';

const BASELINE_FILES = [
  '20261124150000_organizations.sql',
  '20261124150100_events.sql',
  '20261124150200_promoters.sql',
  '20261124150300_attribution.sql',
  '20261124150400_checkout.sql',
  '20261124150500_performance.sql',
  '20261124150600_promoter_deletion.sql',
  '20261124150700_realtime.sql',
  '20261130100000_attribution_integrity.sql',
  '20261130110000_tenancy_hardening.sql',
  '20261130120000_realtime_membership.sql',
  '20261201110000_contract.sql',
  '20261201120000_atomic_saves.sql',
  '20261201130000_teams.sql',
  '20261201140000_orders.sql',
  '20261202100000_promoter_portal.sql',
  '20261202110000_attribution_window.sql',
  '20261202120000_bulk_promoters.sql',
  `${BASELINE_VERSION}_self_referral.sql`,
];

/**
 * Versions folded into the baseline. Projects that applied them mark them reverted
 * (README, "Deploying to hosted Supabase"); a new migration must not reuse them.
 */
const FOLDED_VERSIONS = [
  '20261201100000',
  '20261202130000',
  '20261203110000',
  '20261203120000',
  '20261204100000',
  '20261204110000',
  '20261206100000',
];

const migrationsDir = new URL('../../supabase/migrations/', import.meta.url);

async function migrationFiles(): Promise<string[]> {
  return (await readdir(migrationsDir)).filter((file) => file.endsWith('.sql')).sort();
}

const version = (file: string) => file.slice(0, 14);

/** The SQL of a file without its line comments, so that prose naming a function is not a definition. */
async function sqlOf(file: string): Promise<string> {
  return (await readFile(new URL(file, migrationsDir), 'utf8')).replace(/--[^\n]*/g, '');
}

const unqualified = (name: string) => name.toLowerCase().replace(/^public\./, '');

/** What a file creates: `function <name>`, `policy "<name>" on <table>`, `trigger <name> on <table>`. */
function definitions(sql: string): string[] {
  const found: string[] = [];
  for (const m of sql.matchAll(/\bcreate\s+(?:or\s+replace\s+)?function\s+([\w.]+)\s*\(/gi)) {
    found.push(`function ${unqualified(m[1])}`);
  }
  for (const m of sql.matchAll(/\bcreate\s+policy\s+"([^"]+)"\s+on\s+([\w.]+)/gi)) {
    found.push(`policy "${m[1]}" on ${unqualified(m[2])}`);
  }
  for (const m of sql.matchAll(/\bcreate\s+(?:or\s+replace\s+)?(?:constraint\s+)?trigger\s+(\w+)\s[\s\S]*?\bon\s+([\w.]+)/gi)) {
    found.push(`trigger ${m[1].toLowerCase()} on ${unqualified(m[2])}`);
  }
  return found;
}

describe('the migration baseline', () => {
  it('is the expected set of files; every later migration is a new change after it', async () => {
    const files = await migrationFiles();
    expect(files.filter((file) => version(file) <= BASELINE_VERSION)).toEqual(BASELINE_FILES);
  });

  it('never reuses a version that was folded into it', async () => {
    const versions = (await migrationFiles()).map(version);
    expect(versions.filter((v) => FOLDED_VERSIONS.includes(v))).toEqual([]);
  });

  it('creates each function, policy and trigger in one place only', async () => {
    const placesOf = new Map<string, string[]>();
    for (const file of BASELINE_FILES) {
      for (const definition of definitions(await sqlOf(file))) {
        placesOf.set(definition, [...(placesOf.get(definition) ?? []), file]);
      }
    }
    const kinds = [...placesOf.keys()].map((definition) => definition.split(' ')[0]);
    // The patterns must find the definitions for the check below to mean anything.
    expect(kinds.filter((kind) => kind === 'function').length).toBeGreaterThan(100);
    expect(kinds.filter((kind) => kind === 'policy').length).toBeGreaterThan(20);
    expect(kinds.filter((kind) => kind === 'trigger').length).toBeGreaterThan(20);

    const repeated = [...placesOf].filter(([, places]) => places.length > 1);
    expect(repeated.map(([definition, places]) => `${definition}: ${places.join(', ')}`)).toEqual([]);
  });

  it('finds a definition repeated in two files', () => {
    const first = definitions('create function private.f(p uuid) returns int language sql as $$ select 1 $$;');
    const second = definitions('create or replace function private.f(p uuid) returns int language sql as $$ select 2 $$;');
    expect(first).toEqual(second);
    expect(definitions('create policy "members read" on public.t for select to authenticated using (true);')).toEqual([
      'policy "members read" on t',
    ]);
    expect(definitions('create trigger t_touch before update on public.t for each row execute function f();')).toEqual([
      'trigger t_touch on t',
    ]);
  });
});
