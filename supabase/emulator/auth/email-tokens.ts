/**
 * GoTrue's emailed credentials: a numeric one-time code and the link that carries its
 * hash. Only the hash — SHA-224 of the address followed by the code, as GoTrue computes
 * it — is stored, in the `auth.users` column of its kind (`recovery_token`,
 * `confirmation_token`, `email_change_token_new` / `_current`,
 * `reauthentication_token`), next to the time it was sent, which dates its expiry.
 */
import { createHash, randomInt } from 'node:crypto';

export function newOtp(length: number): string {
  let code = '';
  for (let index = 0; index < length; index += 1) code += String(randomInt(10));
  return code;
}

export function tokenHash(email: string, otp: string): string {
  return createHash('sha224').update(email + otp).digest('hex');
}

/** The kinds of email link `/verify` accepts, as GoTrue names them. */
export const EMAIL_LINK_TYPES = ['signup', 'invite', 'recovery', 'magiclink', 'email_change'] as const;
export type EmailLinkType = (typeof EMAIL_LINK_TYPES)[number];
/** `email` is the one-time code of a sign-up confirmation or a magic link. */
export const VERIFY_TYPES = [...EMAIL_LINK_TYPES, 'email'] as const;
export type VerifyType = (typeof VERIFY_TYPES)[number];

function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let index = 0; index < glob.length; index += 1) {
    const character = glob[index]!;
    if (character === '*' && glob[index + 1] === '*') {
      pattern += '.*';
      index += 1;
    } else if (character === '*') {
      // One segment: not across the separators GoTrue's glob uses.
      pattern += '[^./]*';
    } else if (character === '?') {
      pattern += '[^./]';
    } else {
      pattern += character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${pattern}$`);
}

export interface RedirectRules {
  siteUrl: string;
  additionalRedirectUrls: string[];
}

/**
 * Where an emailed link may send the browser, as GoTrue decides it: the requested
 * `redirect_to` when it is on the site URL's host or matches one of the additional
 * redirect URLs (globs), else the site URL. Anything else would make the project an
 * open redirect carrying fresh session tokens.
 */
export function allowedRedirect(requested: string | null | undefined, rules: RedirectRules): string {
  if (!requested) return rules.siteUrl;
  let target: URL;
  try {
    target = new URL(requested);
  } catch {
    return rules.siteUrl;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return rules.siteUrl;
  try {
    if (target.hostname === new URL(rules.siteUrl).hostname) return requested;
  } catch {
    // A site URL that does not parse matches nothing.
  }
  const withoutFragment = requested.split('#')[0]!;
  for (const allowed of rules.additionalRedirectUrls) {
    if (globToRegExp(allowed).test(withoutFragment) || globToRegExp(allowed).test(withoutFragment.replace(/\/$/, ''))) {
      return requested;
    }
  }
  return rules.siteUrl;
}
