import { createClient } from '@supabase/supabase-js';
import { config } from '@/config/env';
import type { Database } from '@/lib/database.types';

/** The one typed client of the SPA; it only ever holds the public anon key. */
export const supabase = createClient<Database>(config.supabaseUrl, config.supabaseAnonKey);

type Functions = Database['public']['Functions'];

/** One row of a set-returning database function, as the generated types describe it. */
export type FunctionRow<Name extends keyof Functions> = Functions[Name]['Returns'] extends (infer Row)[] ? Row : never;
