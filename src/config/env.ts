
/**
 * The SPA's configuration, validated once at start-up. A hosted build sets
 * VITE_SUPABASE_URL and VITE_SUPABASE_ANON_KEY (vite.config.ts refuses a production build
 * without them). Builds for the local emulator (`--mode emulator`, .env.emulator) set
 * VITE_SUPABASE_SAME_ORIGIN: the API is on the page's own origin.
 */
export interface AppConfig {
  supabaseUrl: string;
  supabaseAnonKey: string;
}

// Checked by hand rather than with a schema library: this runs on every page load and the
// first dashboard load has a size budget.
function isHttpUrl(value: string | undefined): value is string {
  if (!value) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function readConfig(env: Record<string, string | undefined> = import.meta.env): AppConfig {
  const supabaseUrl = env.VITE_SUPABASE_URL || (env.VITE_SUPABASE_SAME_ORIGIN === 'true' ? globalThis.location?.origin : undefined);
  const supabaseAnonKey = env.VITE_SUPABASE_ANON_KEY ?? '';
  const reasons: string[] = [];
  if (!isHttpUrl(supabaseUrl)) reasons.push('VITE_SUPABASE_URL must be an http(s) URL');
  if (supabaseAnonKey.length < 20) reasons.push('VITE_SUPABASE_ANON_KEY is missing or too short');
  if (reasons.length > 0 || !isHttpUrl(supabaseUrl)) throw new Error(`Invalid configuration: ${reasons.join('; ')}`);
  return { supabaseUrl, supabaseAnonKey };
}

export const config = readConfig();
