import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { SelectField, TextField } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { useCreateOrganization } from '../api/create-organization';
import type { Organization } from '../api/get-my-organizations';

const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'SEK', 'NOK', 'DKK', 'JPY', 'BRL', 'MXN', 'INR', 'ZAR'];

/** Names a new organization and picks the currency its tickets sell in. */
export function OrganizationForm({ onDone, submitLabel }: { onDone: (organization: Organization) => void; submitLabel: string }) {
  const [name, setName] = useState('');
  const [currency, setCurrency] = useState('USD');
  const create = useCreateOrganization();

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ name, currency }, { onSuccess: onDone });
  }

  return (
    <form className="form" onSubmit={submit}>
      <FormError error={create.error} />
      <TextField label="Organization name" required maxLength={120} value={name} onChange={(e) => setName(e.target.value)} />
      <SelectField
        label="Currency"
        hint="Ticket prices and revenue use this currency."
        value={currency}
        options={CURRENCIES.map((code) => ({ value: code, label: code }))}
        onChange={setCurrency}
      />
      <Button type="submit" variant="primary" loading={create.isPending} disabled={!name.trim()} disabledReason="Enter the organization's name first.">
        {submitLabel}
      </Button>
    </form>
  );
}

/** First sign-in without an organization. */
export function OnboardingForm({ onDone }: { onDone: (organization: Organization) => void }) {
  return (
    <div className="form">
      <h1>Set up your organization</h1>
      <p className="muted">Promoters, events and sales all live in your organization. Invited to a team? Open the invitation link instead.</p>
      <OrganizationForm submitLabel="Create organization" onDone={onDone} />
    </div>
  );
}
