/**
 * Prepares an empty PostgreSQL database the way the Supabase platform hands a project
 * over, so the Supabase CLI can push the migrations to it as it pushes them to a hosted
 * project: the platform bootstrap (roles, auth, realtime, the non-superuser postgres
 * and its grants), and plpgsql_check for `supabase db lint`. Migrations are left to
 * the CLI.
 *
 * Usage: `tsx supabase/emulator/prepare-platform.ts <superuser connection string>`.
 * Prints the role the CLI must connect as (postgres on a cluster whose superuser has
 * another name, as on the platform).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from './database.ts';
import { bootstrap } from './migrate.ts';

export async function preparePlatform(superuserUrl: string): Promise<string> {
  const db = await openDatabase({ databaseUrl: superuserUrl, poolSize: 1 });
  try {
    const role = await bootstrap(db);
    // On the platform plpgsql_check is an extension postgres may create; the CLI's lint
    // creates it in a transaction it rolls back, which only a superuser can do here.
    await db.exec('create extension if not exists plpgsql_check');
    return role;
  } finally {
    await db.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const url = process.argv[2];
  if (!url) {
    console.error('Usage: tsx supabase/emulator/prepare-platform.ts <superuser connection string>');
    process.exit(2);
  }
  preparePlatform(url).then(
    (role) => console.log(role),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
