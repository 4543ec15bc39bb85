/**
 * The API roles' privileges do not depend on the hosted project's default privileges:
 * older projects grant ALL on new objects in public to anon, authenticated and
 * service_role, newer ones can turn that off. The migrations grant and revoke
 * explicitly, so a database migrated under either default gives each role exactly the
 * privileges declared here (effective privileges, grants to PUBLIC included).
 * A new table, sequence or function belongs in this list with what each role may do.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRIVILEGES, type DefaultPrivileges } from '../../supabase/emulator/config.ts';
import { openDatabase, type Database } from '../../supabase/emulator/database.ts';
import { migrate } from '../../supabase/emulator/migrate.ts';
import { effectivePrivileges } from './support/privileges.ts';

/** object | role | privileges; objects and roles without privileges are left out. */
const EXPECTED = [
  'function private.can_join_portal_topic(text) | anon | execute',
  'function private.can_join_portal_topic(text) | authenticated | execute',
  'function private.can_join_topic(text) | authenticated | execute',
  'function private.event_slug_pattern() | authenticated | execute',
  'function private.event_slug_pattern() | service_role | execute',
  'function private.has_role(uuid, text[]) | authenticated | execute',
  'function private.has_role(uuid, text[]) | service_role | execute',
  'function private.import_checked_row(uuid, jsonb, integer, text[], text[], boolean) | authenticated | execute',
  'function private.import_error(text, text, text) | authenticated | execute',
  'function private.import_generated_code(uuid, text, text[], text[], boolean) | authenticated | execute',
  'function private.import_group_names(uuid, jsonb) | authenticated | execute',
  'function private.import_write_rows(uuid, jsonb, text[]) | authenticated | execute',
  'function private.is_json_whole_number(jsonb, numeric, numeric) | authenticated | execute',
  'function private.is_member(uuid) | authenticated | execute',
  'function private.is_member(uuid) | service_role | execute',
  'function private.is_promo_code_used(uuid, text) | authenticated | execute',
  'function private.max_attribution_window_days() | authenticated | execute',
  'function private.max_attribution_window_days() | service_role | execute',
  'function private.max_import_rows() | authenticated | execute',
  'function private.max_import_rows() | service_role | execute',
  'function private.max_tickets_per_order() | authenticated | execute',
  'function private.max_tickets_per_order() | service_role | execute',
  'function private.max_tickets_per_type() | authenticated | execute',
  'function private.max_tickets_per_type() | service_role | execute',
  'function private.member_organization_ids(text[]) | authenticated | execute',
  'function private.member_organization_ids(text[]) | service_role | execute',
  'function private.promo_code_lock_key(uuid, text) | authenticated | execute',
  'function private.promo_code_pattern() | authenticated | execute',
  'function private.promo_code_pattern() | service_role | execute',
  'function private.raise_invalid_field(text, text, text, jsonb) | authenticated | execute',
  'function private.raise_not_authorized() | authenticated | execute',
  'function private.raise_not_authorized() | service_role | execute',
  'function private.require_member(uuid) | authenticated | execute',
  'function private.require_member(uuid) | service_role | execute',
  'function public.accept_invitation(text) | authenticated | execute',
  'function public.bulk_activate_promoters(uuid, uuid, uuid[]) | authenticated | execute',
  'function public.check_referral_code(text, text) | anon | execute',
  'function public.check_referral_code(text, text) | authenticated | execute',
  'function public.check_referral_code(text, text) | service_role | execute',
  'function public.checkout(text, jsonb, text, text, uuid, text, text) | anon | execute',
  'function public.checkout(text, jsonb, text, text, uuid, text, text) | authenticated | execute',
  'function public.checkout(text, jsonb, text, text, uuid, text, text) | service_role | execute',
  'function public.confirm_promoter_deletion(uuid, text, text) | authenticated | execute',
  'function public.create_organization(text, text) | authenticated | execute',
  'function public.create_organization(text, text) | service_role | execute',
  'function public.disable_promoter_portal(uuid) | authenticated | execute',
  'function public.event_performance(uuid) | authenticated | execute',
  'function public.import_promoters(uuid, jsonb, boolean) | authenticated | execute',
  'function public.invitation_preview(text) | anon | execute',
  'function public.invitation_preview(text) | authenticated | execute',
  'function public.invite_member(uuid, text, text) | authenticated | execute',
  'function public.is_promo_code_available(uuid, text, uuid) | authenticated | execute',
  'function public.is_promo_code_available(uuid, text, uuid) | service_role | execute',
  'function public.list_orders(uuid, text, uuid, uuid, boolean, order_status, date, date, uuid, integer, boolean) | authenticated | execute',
  'function public.list_orders(uuid, text, uuid, uuid, boolean, order_status, date, date, uuid, integer, boolean) | service_role | execute',
  'function public.order_detail(uuid) | authenticated | execute',
  'function public.order_detail(uuid) | service_role | execute',
  'function public.organization_live_topic(uuid) | authenticated | execute',
  'function public.organization_member_list(uuid) | authenticated | execute',
  'function public.portal_view(text) | anon | execute',
  'function public.portal_view(text) | authenticated | execute',
  'function public.promoter_group_performance(uuid, timestamp with time zone, timestamp with time zone) | authenticated | execute',
  'function public.promoter_performance(uuid, timestamp with time zone, timestamp with time zone, uuid, text) | authenticated | execute',
  'function public.promoter_portal_status(uuid) | authenticated | execute',
  'function public.promoter_sales_timeseries(uuid, date, date) | authenticated | execute',
  'function public.promoter_source_split(uuid) | authenticated | execute',
  'function public.promoter_source_split(uuid) | service_role | execute',
  'function public.promoter_summary(uuid, timestamp with time zone, timestamp with time zone, uuid, text) | authenticated | execute',
  'function public.refund_order(uuid) | authenticated | execute',
  'function public.request_promoter_deletion(uuid) | authenticated | execute',
  'function public.resolve_event_slug(text) | anon | execute',
  'function public.resolve_event_slug(text) | authenticated | execute',
  'function public.resolve_event_slug(text) | service_role | execute',
  'function public.revoke_invitation(uuid) | authenticated | execute',
  'function public.rotate_promoter_portal(uuid) | authenticated | execute',
  'function public.save_event(uuid, uuid, text, text, text, text, timestamp with time zone, jsonb) | authenticated | execute',
  'function public.save_promoter(uuid, uuid, text, text, text, text, text, uuid[], uuid[], boolean) | authenticated | execute',
  'function public.set_attribution_settings(uuid, integer, boolean) | authenticated | execute',
  'function public.set_attribution_settings(uuid, integer, boolean) | service_role | execute',
  'function public.set_portal_settings(uuid, boolean, boolean) | authenticated | execute',
  'function public.set_self_referral_setting(uuid, boolean) | authenticated | execute',
  'function public.track_promoter_visit(text, text, uuid, visit_source) | anon | execute',
  'function public.track_promoter_visit(text, text, uuid, visit_source) | authenticated | execute',
  'function public.track_promoter_visit(text, text, uuid, visit_source) | service_role | execute',
  'schema private | anon | usage',
  'schema private | authenticated | usage',
  'schema private | service_role | usage',
  'schema public | anon | usage',
  'schema public | authenticated | usage',
  'schema public | service_role | usage',
  'table public.attributions | authenticated | select',
  'table public.attributions | service_role | select',
  'table public.event_promoters | authenticated | select, insert(id, organization_id, event_id, promoter_id, active), update(active)',
  'table public.event_promoters | service_role | select, insert, update, delete',
  'table public.event_slug_history | authenticated | select',
  'table public.event_slug_history | service_role | select, insert, update, delete',
  'table public.events | anon | select',
  'table public.events | authenticated | select, insert(id, organization_id, slug, name, description, venue, starts_at, ends_at, currency, status), update(slug, name, description, venue, starts_at, ends_at, status), delete',
  'table public.events | service_role | select, insert, update, delete',
  'table public.order_items | authenticated | select',
  'table public.order_items | service_role | select',
  'table public.orders | authenticated | select',
  'table public.orders | service_role | select',
  'table public.organization_invitations | authenticated | select(id, organization_id, email, role, invited_by, created_at, expires_at, accepted_at, accepted_by, revoked_at)',
  'table public.organization_invitations | service_role | select, insert, update, delete',
  'table public.organization_members | authenticated | select, update(role), delete',
  'table public.organization_members | service_role | select, insert, update, delete',
  'table public.organizations | authenticated | select, update(name)',
  'table public.organizations | service_role | select, insert, update, delete',
  'table public.promoter_code_history | authenticated | select',
  'table public.promoter_code_history | service_role | select, insert, update, delete',
  'table public.promoter_group_members | authenticated | select, insert(organization_id, group_id, promoter_id), delete',
  'table public.promoter_group_members | service_role | select, insert, update, delete',
  'table public.promoter_groups | authenticated | select, insert(id, organization_id, name, color), update(name, color), delete',
  'table public.promoter_groups | service_role | select, insert, update, delete',
  'table public.promoter_visits | authenticated | select',
  'table public.promoter_visits | service_role | select',
  'table public.promoters | authenticated | select, insert(id, organization_id, name, promo_code, email, phone, notes, active_on_future_events), update(name, promo_code, email, phone, notes, active_on_future_events)',
  'table public.promoters | service_role | select, insert, update',
  'table public.ticket_types | anon | select',
  'table public.ticket_types | authenticated | select, insert(id, organization_id, event_id, name, price_minor, capacity, sort_order), update(name, price_minor, capacity, sort_order), delete',
  'table public.ticket_types | service_role | select, insert, update, delete',
];

const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A fresh database migrated under the given default privileges, on the engine under test. */
async function migratedDatabase(defaultPrivileges: DefaultPrivileges): Promise<Database> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const db = await openDatabase();
    cleanups.push(() => db.close());
    await migrate(db, { defaultPrivileges });
    return db;
  }
  const name = `pl_test_privileges_${defaultPrivileges}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  cleanups.push(async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), poolSize: 1 });
  cleanups.push(() => db.close());
  // Roles are shared by the cluster: bootstraps of other test files' databases take
  // turns under the test helper's lock, and so does this one.
  await admin.query('select pg_advisory_lock(7403)');
  try {
    await migrate(db, { defaultPrivileges });
  } finally {
    await admin.query('select pg_advisory_unlock(7403)');
  }
  return db;
}

describe.each(DEFAULT_PRIVILEGES)('with the hosted default privileges "%s"', (defaultPrivileges) => {
  let db: Database;

  beforeAll(async () => {
    db = await migratedDatabase(defaultPrivileges);
  }, 120_000);

  it('really has those default privileges for the role migrations run as', async () => {
    const { rows } = await db.query<{ kind: string }>(
      `select distinct d.defaclobjtype::text as kind
       from pg_default_acl d
       where d.defaclnamespace = 'public'::regnamespace
         and exists (select 1 from aclexplode(d.defaclacl) a where a.grantee = 'anon'::regrole)`,
    );
    expect(rows.map((r) => r.kind).sort()).toEqual(defaultPrivileges === 'all' ? ['S', 'f', 'r'] : []);
  });

  it('gives anon, authenticated and service_role exactly the declared privileges on public and private', async () => {
    expect(await effectivePrivileges(db)).toEqual(EXPECTED);
  });
});
