/**
 * Reading the emulator's local inbox the way a developer's script would: over HTTP, at
 * `/inbox/api/messages`.
 */
import type { MailMessage } from '../../supabase/emulator/mail/inbox.ts';

export async function inboxMessages(url: string, to: string): Promise<MailMessage[]> {
  const response = await fetch(`${url}/inbox/api/messages?to=${encodeURIComponent(to)}`);
  if (!response.ok) throw new Error(`inbox answered ${response.status}`);
  return ((await response.json()) as { messages: MailMessage[] }).messages;
}

/** The newest message to `to` whose subject matches, waiting until one arrives. */
export async function waitForMail(url: string, to: string, subject: RegExp, timeoutMs = 5000): Promise<MailMessage> {
  const started = Date.now();
  for (;;) {
    const found = (await inboxMessages(url, to)).find((message) => subject.test(message.subject));
    if (found) return found;
    if (Date.now() - started > timeoutMs) throw new Error(`No mail to ${to} matching ${subject} arrived`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The verification link and the one-time code of an auth email. */
export function linkAndCode(message: MailMessage): { link: string | undefined; code: string } {
  const link = /https?:\/\/\S+\/auth\/v1\/verify\?\S+/.exec(message.text)?.[0];
  const code = /code: (\d+)/.exec(message.text)?.[1];
  if (!code) throw new Error(`No code in: ${message.text}`);
  return { link, code };
}
