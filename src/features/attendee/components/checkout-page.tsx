import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { DocumentTitle } from '@/components/document-title';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { paths } from '@/config/paths';
import { useCheckout } from '../api/checkout';
import { salesClosed, type PublicEvent } from '../api/get-public-event';
import { randomUuid } from '../lib/attendee-session';
import { validateBuyer, type BuyerErrors, type BuyerInput } from '../lib/buyer';
import { cartFromSearchParams, cartToSearchParams } from '../lib/cart';
import { REFERRAL_CODE_FAILURES } from '../lib/checkout-errors';
import { forgetAttempt, idempotencyKeyFor, saveOrder } from '../lib/order-storage';
import { formatMoney } from '@/lib/format';
import { EventHeader } from './event-header';
import { OrderLines, type OrderLine } from './order-lines';
import { BackToEvent, WithPublicEvent } from './states';
import './attendee.css';

/** Checkout for the tickets chosen on the event page (carried in the URL). */
export function CheckoutPage({ slug }: { slug: string }) {
  return <WithPublicEvent slug={slug}>{(event) => <Checkout event={event} />}</WithPublicEvent>;
}

function Checkout({ event }: { event: PublicEvent }) {
  const [searchParams] = useSearchParams();
  const cart = cartFromSearchParams(searchParams);
  const lines: OrderLine[] = event.ticketTypes
    .filter((ticketType) => cart.has(ticketType.id))
    .map((ticketType) => ({
      id: ticketType.id,
      name: ticketType.name,
      quantity: cart.get(ticketType.id) ?? 0,
      unitPriceMinor: ticketType.price_minor,
    }));

  return (
    <div className="att-checkout">
      <DocumentTitle title={`Checkout: ${event.name}`} />
      <h1>Checkout</h1>
      <EventHeader name={event.name} startsAt={event.starts_at} endsAt={event.ends_at} venue={event.venue} headingLevel={2} />
      {salesClosed(event) ? (
        <section className="att-card">
          <p>Tickets for this event are no longer on sale.</p>
          <BackToEvent slug={event.slug}>Back to the event</BackToEvent>
        </section>
      ) : lines.length === 0 ? (
        <section className="att-card">
          <p>You have not chosen any tickets yet.</p>
          <BackToEvent slug={event.slug}>Choose tickets</BackToEvent>
        </section>
      ) : (
        <CheckoutForm event={event} lines={lines} />
      )}
    </div>
  );
}

function CheckoutForm({ event, lines }: { event: PublicEvent; lines: OrderLine[] }) {
  const navigate = useNavigate();
  const checkout = useCheckout();
  const [values, setValues] = useState<BuyerInput>({ name: '', email: '' });
  const [referralCode, setReferralCode] = useState('');
  const [errors, setErrors] = useState<BuyerErrors>({});
  const [touched, setTouched] = useState<Record<keyof BuyerInput, boolean>>({ name: false, email: false });
  // A second click arrives before React re-renders the disabled button; this ref
  // refuses it synchronously.
  const paying = useRef(false);
  const form = useRef<HTMLFormElement>(null);
  // Bumped by each refused submit, to move focus to the first field that needs fixing.
  const [refusedSubmits, setRefusedSubmits] = useState(0);
  useEffect(() => {
    if (refusedSubmits > 0) form.current?.querySelector<HTMLInputElement>('[aria-invalid="true"]')?.focus();
  }, [refusedSubmits]);

  const referralCodeError =
    checkout.error?.code && REFERRAL_CODE_FAILURES.includes(checkout.error.code) && checkout.variables?.referralCode === referralCode
      ? checkout.error.message
      : undefined;
  const total = lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0);
  const changeTickets = `${paths.publicEvent(event.slug)}?${cartToSearchParams(new Map(lines.map((line) => [line.id, line.quantity])))}`;

  function update(field: keyof BuyerInput, value: string) {
    const next = { ...values, [field]: value };
    setValues(next);
    // Once a field has been left (or the form submitted), its message follows each keystroke.
    if (touched[field]) setErrors((previous) => ({ ...previous, [field]: validateBuyer(next).errors?.[field] }));
  }

  function leave(field: keyof BuyerInput) {
    setTouched((previous) => ({ ...previous, [field]: true }));
    setErrors((previous) => ({ ...previous, [field]: validateBuyer(values).errors?.[field] }));
  }

  function pay(formEvent: FormEvent<HTMLFormElement>) {
    formEvent.preventDefault();
    if (paying.current) return;
    const result = validateBuyer(values);
    if (!result.buyer) {
      setTouched({ name: true, email: true });
      setErrors(result.errors);
      setRefusedSubmits((count) => count + 1);
      return;
    }
    const { buyer } = result;
    const items = lines.map((line) => ({ ticket_type_id: line.id, quantity: line.quantity }));
    // Same tickets and buyer → same key, so retries and reloads can never book twice.
    const fingerprint = JSON.stringify({
      items: [...items].sort((a, b) => a.ticket_type_id.localeCompare(b.ticket_type_id)),
      name: buyer.name,
      email: buyer.email,
    });
    const idempotencyKey = idempotencyKeyFor(event.slug, fingerprint, randomUuid);

    paying.current = true;
    checkout.mutate(
      {
        eventSlug: event.slug,
        items,
        buyerName: buyer.name,
        buyerEmail: buyer.email,
        idempotencyKey,
        attributionWindowDays: event.attribution_window_days,
        referralCode: event.referral_code_at_checkout ? referralCode : undefined,
      },
      {
        onSuccess: (order) => {
          saveOrder({
            eventSlug: event.slug,
            eventName: event.name,
            startsAt: event.starts_at,
            venue: event.venue,
            buyerName: buyer.name,
            buyerEmail: buyer.email,
            order,
          });
          forgetAttempt(event.slug);
          // Replace checkout in the history: "Back" must not lead to paying again.
          navigate(paths.orderConfirmation(event.slug, order.reference), { replace: true });
        },
        onSettled: () => {
          paying.current = false;
        },
      },
    );
  }

  return (
    <form ref={form} className="att-checkout-form" onSubmit={pay} noValidate>
      <section className="att-card" aria-labelledby="summary-heading">
        <h2 id="summary-heading">Your order</h2>
        <OrderLines lines={lines} currency={event.currency} caption="Tickets in your order" />
        <Link className="att-back-link" to={changeTickets}>
          Change tickets
        </Link>
      </section>

      <section className="att-card" aria-labelledby="buyer-heading">
        <h2 id="buyer-heading">Your details</h2>
        <TextField
          label="Full name"
          autoComplete="name"
          value={values.name}
          error={errors.name}
          onChange={(changeEvent) => update('name', changeEvent.target.value)}
          onBlur={() => leave('name')}
        />
        <TextField
          label="Email"
          type="email"
          autoComplete="email"
          value={values.email}
          error={errors.email}
          onChange={(changeEvent) => update('email', changeEvent.target.value)}
          onBlur={() => leave('email')}
        />
        {event.referral_code_at_checkout ? (
          <TextField
            label="Referred by (code)"
            hint="Optional: the code of the promoter who told you about this event."
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            maxLength={64}
            value={referralCode}
            error={referralCodeError}
            onChange={(changeEvent) => setReferralCode(changeEvent.target.value)}
          />
        ) : null}
      </section>

      <PaymentSection
        error={checkout.error && !referralCodeError ? checkout.error.message : null}
        pending={checkout.isPending}
        amount={formatMoney(total, event.currency)}
      />
    </form>
  );
}

/** The test-mode payment: what it does, a refusal not tied to a field, and the pay button. */
function PaymentSection({ error, pending, amount }: { error: string | null; pending: boolean; amount: string }) {
  return (
    <section className="att-card att-payment" aria-labelledby="payment-heading">
      <h2 id="payment-heading">Payment (test mode)</h2>
      <p className="att-test-mode">
        <strong>Test mode:</strong> no real payment is taken and no card details are needed. Pressing the button
        below completes the order as if it had been paid.
      </p>
      {error ? (
        <p className="att-checkout-error" role="alert">
          {error}
        </p>
      ) : null}
      <Button type="submit" variant="primary" loading={pending}>
        {pending ? 'Processing payment…' : `Pay ${amount} (test mode)`}
      </Button>
    </section>
  );
}
