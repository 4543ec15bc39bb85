
/**
 * The SPA's configuration, validated once at start-up. Served by the local emulator the
 * SPA needs no configuration at all: the API is on the same origin and the key is the
 * public local anon key. A hosted deploy sets VITE_SUPABASE_URL and VITE_SUPABASE_ANON_KEY.
 */
const LOCAL_ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';

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
  const supabaseUrl = env.VITE_SUPABASE_URL || globalThis.location?.origin;
  const supabaseAnonKey = env.VITE_SUPABASE_ANON_KEY || LOCAL_ANON_KEY;
  const reasons: string[] = [];
  if (!isHttpUrl(supabaseUrl)) reasons.push('VITE_SUPABASE_URL must be an http(s) URL');
  if (supabaseAnonKey.length < 20) reasons.push('VITE_SUPABASE_ANON_KEY is missing or too short');
  if (reasons.length > 0 || !isHttpUrl(supabaseUrl)) throw new Error(`Invalid configuration: ${reasons.join('; ')}`);
  return { supabaseUrl, supabaseAnonKey };
}

export const config = readConfig();
