/**
 * The local inbox, as `supabase start` runs one (Inbucket, now Mailpit): every email
 * the emulator would send — recovery, magic link, one-time code, email change,
 * confirmation, and anything else that calls `sendMail` — is kept in memory instead
 * of leaving the machine. The newest messages are kept, older ones dropped.
 *
 * It is read at `/inbox` (a page) and `/inbox/api/messages` (JSON for tests and
 * scripts), on loopback connections only: mail carries sign-in links, so the inbox is
 * never reachable from another machine, whatever address the API listens on.
 */
import { randomUUID } from 'node:crypto';
import { json, type Reply } from '../http.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface MailMessage extends Required<OutgoingMail> {
  id: string;
  from: string;
  /** ISO time it was "sent". */
  sent_at: string;
}

export interface Mailer {
  sendMail(mail: OutgoingMail): MailMessage;
}

/** Messages kept; past it the oldest go. */
const INBOX_CAPACITY = 500;
const SENDER = 'Promoter Links <noreply@promoter-links.local>';

export class Inbox implements Mailer {
  private readonly messages: MailMessage[] = [];

  constructor(private readonly capacity = INBOX_CAPACITY) {}

  sendMail(mail: OutgoingMail): MailMessage {
    const message: MailMessage = {
      id: randomUUID(),
      from: SENDER,
      to: mail.to.toLowerCase(),
      subject: mail.subject,
      text: mail.text,
      html: mail.html ?? '',
      sent_at: new Date().toISOString(),
    };
    this.messages.push(message);
    if (this.messages.length > this.capacity) this.messages.splice(0, this.messages.length - this.capacity);
    return message;
  }

  /** Newest first; `to` matches the address case-insensitively. */
  list(to?: string): MailMessage[] {
    const address = to?.trim().toLowerCase();
    return this.messages.filter((message) => !address || message.to === address).reverse();
  }

  get(id: string): MailMessage | undefined {
    return this.messages.find((message) => message.id === id);
  }

  clear(to?: string): number {
    const before = this.messages.length;
    const address = to?.trim().toLowerCase();
    for (let index = this.messages.length - 1; index >= 0; index -= 1) {
      if (!address || this.messages[index]!.to === address) this.messages.splice(index, 1);
    }
    return before - this.messages.length;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

/** Plain text with its http(s) links made clickable; everything else escaped. */
function textWithLinks(text: string): string {
  const parts = text.split(/(https?:\/\/[^\s<>"']+)/g);
  return parts
    .map((part, index) => (index % 2 === 1 ? `<a href="${escapeHtml(part)}">${escapeHtml(part)}</a>` : escapeHtml(part)))
    .join('');
}

/** No scripts, no frames, no outside resources: only the page's own inline styles. */
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1b1b1f}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd}
pre{white-space:pre-wrap;background:#f6f6f8;padding:1rem;border-radius:6px}.muted{color:#666}`;

function page(title: string, body: string): Reply {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
  return { status: 200, headers: PAGE_HEADERS, body: Buffer.from(html) };
}

function listPage(inbox: Inbox, to: string | undefined): Reply {
  const messages = inbox.list(to);
  const rows = messages
    .map(
      (message) =>
        `<tr><td>${escapeHtml(new Date(message.sent_at).toLocaleString('en-GB', { timeZone: 'UTC' }))} UTC</td><td>${escapeHtml(message.to)}</td><td><a href="/inbox/messages/${encodeURIComponent(message.id)}">${escapeHtml(message.subject)}</a></td></tr>`,
    )
    .join('');
  const heading = to ? `Inbox of ${escapeHtml(to)}` : 'Local inbox';
  return page(
    'Local inbox',
    `<h1>${heading}</h1><p class="muted">Emails the local emulator would have sent (the newest ${INBOX_CAPACITY} are kept). Nothing leaves this machine.</p>` +
      (messages.length
        ? `<table><thead><tr><th>Sent</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows}</tbody></table>`
        : '<p>No messages yet.</p>'),
  );
}

function messagePage(message: MailMessage): Reply {
  return page(
    message.subject,
    `<p><a href="/inbox">← All messages</a></p><h1>${escapeHtml(message.subject)}</h1>` +
      `<p class="muted">From ${escapeHtml(message.from)} to ${escapeHtml(message.to)}, ${escapeHtml(message.sent_at)}</p>` +
      `<pre>${textWithLinks(message.text)}</pre>`,
  );
}

function notFound(): Reply {
  return json(404, { error: 'not_found', message: 'Not found' });
}

/**
 * `/inbox…` requests. The caller checks the connection is a loopback one first.
 *  - GET /inbox, /inbox?to=… — the page; GET /inbox/messages/<id> — one message
 *  - GET /inbox/api/messages?to=… — `{ messages: [...] }`, newest first
 *  - GET /inbox/api/messages/<id>; DELETE /inbox/api/messages?to=… — empties it
 */
export function handleInbox(inbox: Inbox, method: string, pathname: string, query: URLSearchParams): Reply {
  const path = pathname.replace(/\/+$/, '') || '/';
  const to = query.get('to') ?? undefined;
  const read = method === 'GET' || method === 'HEAD';
  if (path === '/inbox' && read) return listPage(inbox, to);
  if (path === '/inbox/api/messages') {
    if (read) return json(200, { messages: inbox.list(to) });
    if (method === 'DELETE') return json(200, { deleted: inbox.clear(to) });
    return json(405, { error: 'method_not_allowed', message: 'Method not allowed' });
  }
  const one = /^\/inbox\/(api\/)?messages\/([^/]+)$/.exec(path);
  if (one && read) {
    let id: string;
    try {
      id = decodeURIComponent(one[2]!);
    } catch {
      return notFound();
    }
    const message = inbox.get(id);
    if (!message) return notFound();
    return one[1] ? json(200, message) : messagePage(message);
  }
  return notFound();
}
