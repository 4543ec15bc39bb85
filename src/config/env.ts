import { z } from 'zod';

/**
 * The SPA's configuration, validated once at start-up. Served by the local emulator the
 * SPA needs no configuration at all: the API is on the same origin and the key is the
 * public local anon key. A hosted deploy sets VITE_SUPABASE_URL and VITE_SUPABASE_ANON_KEY.
 */
const LOCAL_ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';

const schema = z.object({
  supabaseUrl: z.url({ message: 'VITE_SUPABASE_URL must be an http(s) URL' }),
  supabaseAnonKey: z.string().min(20, { message: 'VITE_SUPABASE_ANON_KEY is missing or too short' }),
});

export type AppConfig = z.infer<typeof schema>;

export function readConfig(env: Record<string, string | undefined> = import.meta.env): AppConfig {
  const parsed = schema.safeParse({
    supabaseUrl: env.VITE_SUPABASE_URL || globalThis.location?.origin,
    supabaseAnonKey: env.VITE_SUPABASE_ANON_KEY || LOCAL_ANON_KEY,
  });
  if (!parsed.success) {
    const reasons = parsed.error.issues.map((issue) => issue.message).join('; ');
    throw new Error(`Invalid configuration: ${reasons}`);
  }
  return parsed.data;
}

export const config = readConfig();
