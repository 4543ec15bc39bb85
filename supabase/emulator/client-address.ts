/**
 * What the platform's edge tells the API about the caller. On hosted Supabase every
 * request passes the edge proxy, which sets `cf-connecting-ip` to the address of the
 * connection it accepted (replacing any value the client sent) and appends that
 * address to `x-forwarded-for`. PostgREST hands both to SQL in `request.headers`,
 * where private.client_address() reads them. The emulator is that edge: it writes the
 * socket's address the same way, so a client cannot choose its own address.
 */
import type { Headers } from './http.ts';

/** The socket's address as the edge reports it: IPv4-mapped IPv6 as plain IPv4. */
function socketAddress(remoteAddress: string | undefined): string {
  if (!remoteAddress) return '';
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
}

/**
 * The address a request counts against, for the auth limits and for SQL alike: the
 * socket's peer, or — only when `trustClientHeader` is set, for tests that play many
 * clients from one machine — the `cf-connecting-ip` the client sent, else the first
 * `x-forwarded-for` entry (as GoTrue reads its rate-limit header). Never on by default.
 */
export function callerAddress(remoteAddress: string | undefined, headers: Headers, trustClientHeader = false): string {
  if (trustClientHeader) {
    const claimed = headers['cf-connecting-ip']?.trim() || headers['x-forwarded-for']?.split(',')[0]!.trim();
    if (claimed) return claimed;
  }
  return socketAddress(remoteAddress) || 'unknown';
}

/**
 * The headers passed to the API, with the caller's address written as the edge
 * writes it: `cf-connecting-ip` replaced, the address appended to `x-forwarded-for`.
 */
export function withClientAddress(headers: Headers, caller: string): Headers {
  const address = socketAddress(caller);
  const forwarded = headers['x-forwarded-for'];
  return {
    ...headers,
    'cf-connecting-ip': address,
    'x-forwarded-for': forwarded ? `${forwarded}, ${address}` : address,
  };
}
