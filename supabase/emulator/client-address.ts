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
export function socketAddress(remoteAddress: string | undefined): string {
  if (!remoteAddress) return '';
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
}

/**
 * Sets the caller's address on the headers passed to the API. `trustClientHeader`
 * keeps a `cf-connecting-ip` the client sent instead — only for tests that play many
 * clients from one machine; never on by default.
 */
export function withClientAddress(headers: Headers, remoteAddress: string | undefined, trustClientHeader = false): Headers {
  const address = socketAddress(remoteAddress);
  if (trustClientHeader && headers['cf-connecting-ip']) return headers;
  const forwarded = headers['x-forwarded-for'];
  return {
    ...headers,
    'cf-connecting-ip': address,
    'x-forwarded-for': forwarded ? `${forwarded}, ${address}` : address,
  };
}
