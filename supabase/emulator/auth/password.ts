/**
 * GoTrue's password rules (`checkPasswordStrength`), driven by `[auth]` in
 * supabase/config.toml: at most 72 bytes (bcrypt reads no further), at least
 * `minimum_password_length` bytes, and one character of each set that
 * `password_requirements` names. Lengths are in UTF-8 bytes, as GoTrue counts them.
 */
import { hash, verify } from '@node-rs/bcrypt';
import type { AuthConfig } from '../config.ts';
import { authErrors, type AuthError } from './errors.ts';

/** bcrypt uses the first 72 bytes of a password and silently drops the rest. */
const MAX_PASSWORD_BYTES = 72;
/** GoTrue's bcrypt cost. */
const BCRYPT_COST = 10;

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const SYMBOLS = '!@#$%^&*()_+-=[]{};\'\\:"|<>?,./`~';

/** The character sets each `password_requirements` value stands for, as the Supabase CLI maps them. */
const REQUIRED_CHARACTERS: Record<AuthConfig['password_requirements'], string[]> = {
  '': [],
  letters_digits: [LOWER + UPPER, DIGITS],
  lower_upper_letters_digits: [LOWER, UPPER, DIGITS],
  lower_upper_letters_digits_symbols: [LOWER, UPPER, DIGITS, SYMBOLS],
};

export interface PasswordRules {
  minimumLength: number;
  requirements: AuthConfig['password_requirements'];
}

export function passwordRules(config: Pick<AuthConfig, 'minimum_password_length' | 'password_requirements'>): PasswordRules {
  return { minimumLength: config.minimum_password_length, requirements: config.password_requirements };
}

function passwordBytes(password: string): number {
  return Buffer.byteLength(password, 'utf8');
}

export interface Weakness {
  message: string;
  /** GoTrue's reasons: `length`, `characters`. */
  reasons: string[];
}

/** The refusal GoTrue gives a new password, or undefined when it is acceptable. */
export function passwordProblem(password: string, rules: PasswordRules): AuthError | undefined {
  if (passwordBytes(password) > MAX_PASSWORD_BYTES) {
    return authErrors.validation(`Password cannot be longer than ${MAX_PASSWORD_BYTES} characters`);
  }
  const weakness = passwordWeakness(password, rules);
  return weakness ? authErrors.weakPassword(weakness.message, weakness.reasons) : undefined;
}

/** Which of the length and character rules a password misses, if any. */
export function passwordWeakness(password: string, rules: PasswordRules): Weakness | undefined {
  const reasons: string[] = [];
  const messages: string[] = [];
  if (passwordBytes(password) < rules.minimumLength) {
    reasons.push('length');
    messages.push(`Password should be at least ${rules.minimumLength} characters.`);
  }
  const sets = REQUIRED_CHARACTERS[rules.requirements];
  if (sets.some((set) => ![...password].some((character) => set.includes(character)))) {
    reasons.push('characters');
    messages.push(`Password should contain at least one character of each: ${sets.join(', ')}.`);
  }
  return reasons.length ? { message: messages.join(' '), reasons } : undefined;
}

/**
 * bcrypt runs on libuv's thread pool, which also serves the JWT checks (WebCrypto),
 * file reads and DNS of every other request. A storm of sign-ins may use only part of
 * it, or a cheap API call would queue behind a hundred hashes: the rest wait here.
 */
const THREAD_POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const HASHING_SLOTS = Math.max(1, Math.floor(THREAD_POOL_SIZE / 2));
let hashing = 0;
const waiting: Array<() => void> = [];

async function withHashingSlot<T>(work: () => Promise<T>): Promise<T> {
  if (hashing >= HASHING_SLOTS) await new Promise<void>((resolve) => waiting.push(resolve));
  else hashing += 1;
  try {
    return await work();
  } finally {
    // The slot passes straight to the next waiter, so the count stays right.
    const next = waiting.shift();
    if (next) next();
    else hashing -= 1;
  }
}

/**
 * A GoTrue-compatible hash (`$2a$`, cost 10), computed off the event loop so a burst
 * of sign-ups never stalls other requests. `$2b$` is the same algorithm.
 */
export async function hashPassword(password: string): Promise<string> {
  return (await withHashingSlot(() => hash(password, BCRYPT_COST))).replace(/^\$2b\$/, '$2a$');
}

/** Compares off the event loop; a password bcrypt would truncate never matches. */
export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  if (passwordBytes(password) > MAX_PASSWORD_BYTES) return false;
  return withHashingSlot(() => verify(password, stored)).catch(() => false);
}
