import type { MutationHookOptions } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';
import { supabase } from '@/lib/supabase';
import type { ImportRow } from '../lib/import';
import { promoterKeys } from './keys';

export interface ImportRowReport {
  row: number;
  name: string;
  promo_code: string;
  generated: boolean;
  email: string | null;
  phone: string | null;
  groups: string[];
  errors: { field: string; code: string; message: string }[];
}

export interface ImportReport {
  rows: ImportRowReport[];
  rows_with_errors: number;
  new_groups: string[];
  imported: number;
}

/**
 * What importing these rows would do, checked by the database without writing anything:
 * per-row errors, the codes generated for blank ones and the groups to be created.
 */
export async function previewImport(organizationId: string, rows: ImportRow[]): Promise<ImportReport> {
  const { data, error } = await supabase.rpc('import_promoters', { p_organization_id: organizationId, p_rows: rows as never, p_dry_run: true });
  if (error) throw error;
  return data as unknown as ImportReport;
}

/**
 * Imports every row or none (the database checks them all again). The preview's
 * generated codes are sent as chosen codes, so the promoters get what the preview showed.
 */
export async function importPromoters(organizationId: string, preview: ImportReport): Promise<ImportReport> {
  const rows = preview.rows.map((row) => ({ name: row.name, promo_code: row.promo_code, email: row.email ?? '', phone: row.phone ?? '', groups: row.groups }));
  const { data, error } = await supabase.rpc('import_promoters', { p_organization_id: organizationId, p_rows: rows as never, p_dry_run: false });
  if (error) throw error;
  return data as unknown as ImportReport;
}

export function useImportPromoters(organizationId: string, options: MutationHookOptions<ImportReport, ImportReport> = {}) {
  return useInvalidatingMutation((preview: ImportReport) => importPromoters(organizationId, preview), options, () => [promoterKeys.organization(organizationId)]);
}
