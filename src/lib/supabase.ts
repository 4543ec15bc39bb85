import { createClient } from '@supabase/supabase-js';
import { config } from '@/config/env';
import type { Database } from '@/lib/database.types';

/** The one typed client of the SPA; it only ever holds the public anon key. */
export const supabase = createClient<Database>(config.supabaseUrl, config.supabaseAnonKey);
