/**
 * The emails GoTrue sends, one per kind, each with the link (`ConfirmationURL`) and the
 * one-time code (`Token`) the Supabase templates offer. Text and HTML say the same.
 */
import type { OutgoingMail } from '../mail/inbox.ts';
import { escapeHtml } from '../mail/inbox.ts';

export type MailKind = 'signup' | 'recovery' | 'magiclink' | 'email_change_new' | 'email_change_current' | 'reauthentication';

interface Template {
  subject: string;
  lead: string;
  action?: string;
}

const TEMPLATES: Record<MailKind, Template> = {
  signup: { subject: 'Confirm your signup', lead: 'Follow this link to confirm your email address:', action: 'Confirm your email' },
  recovery: {
    subject: 'Reset your password',
    lead: 'Follow this link to set a new password for your account:',
    action: 'Reset password',
  },
  magiclink: { subject: 'Your sign-in link', lead: 'Follow this link to sign in:', action: 'Sign in' },
  email_change_new: {
    subject: 'Confirm your new email address',
    lead: 'Follow this link to confirm this address as the new email of your account:',
    action: 'Confirm new email',
  },
  email_change_current: {
    subject: 'Confirm your email change',
    lead: 'Someone asked to change the email of your account away from this address. Follow this link to confirm:',
    action: 'Confirm email change',
  },
  reauthentication: { subject: 'Confirm it is you', lead: 'Enter this code to confirm the change to your account.' },
};

export function composeMail(kind: MailKind, to: string, otp: string, link?: string): OutgoingMail {
  const template = TEMPLATES[kind];
  const lines = [template.lead, ''];
  if (link && template.action) lines.push(`${template.action}: ${link}`, '');
  lines.push(`Or enter this code: ${otp}`, '', 'If you did not ask for this, ignore this email.');
  const html =
    `<h2>${escapeHtml(template.subject)}</h2><p>${escapeHtml(template.lead)}</p>` +
    (link && template.action ? `<p><a href="${escapeHtml(link)}">${escapeHtml(template.action)}</a></p>` : '') +
    `<p>Or enter this code: <strong>${escapeHtml(otp)}</strong></p>`;
  return { to, subject: template.subject, text: lines.join('\n'), html };
}
