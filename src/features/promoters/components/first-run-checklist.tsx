import { Link } from 'react-router-dom';
import { Button } from '@/components/ui/button';
import { paths } from '@/config/paths';
import type { PromoterPerformance } from '../api/get-promoter-performance';
import { useFirstRunMark } from '../lib/first-run';

interface Step {
  label: string;
  done: boolean;
  /** Where the step is done: a page, or an action on this one. */
  to: string | (() => void);
}

/** What the checklist needs to know of each event. */
export interface ChecklistEvent {
  status: string;
  ticket_types: readonly unknown[];
}

/**
 * The steps from an empty organization to its first sale through a link, each ticked from
 * the organization's own data and linking to where it is done. Hidden once every step is
 * done, or when dismissed. `promoters` must be the all-time, unfiltered leaderboard.
 */
export function FirstRunChecklist({
  organizationId,
  events,
  promoters,
  onAddPromoter,
}: {
  organizationId: string;
  events: readonly ChecklistEvent[] | undefined;
  promoters: PromoterPerformance[] | undefined;
  onAddPromoter: () => void;
}) {
  const [copied] = useFirstRunMark(organizationId, 'link-shared');
  const [dismissed, dismiss] = useFirstRunMark(organizationId, 'checklist-dismissed');
  if (dismissed || !events || !promoters) return null;

  const firstPromoter = promoters[0];
  const promoterPath = firstPromoter ? paths.promoter(firstPromoter.promoter_id) : paths.promoters;
  const sold = promoters.some((row) => row.orders > 0);
  const steps: Step[] = [
    { label: 'Create an event', done: events.length > 0, to: paths.events },
    { label: 'Add ticket types', done: events.some((event) => event.ticket_types.length > 0), to: paths.events },
    { label: 'Publish the event', done: events.some((event) => event.status === 'published'), to: paths.events },
    { label: 'Add a promoter', done: promoters.length > 0, to: onAddPromoter },
    { label: 'Activate a promoter on the event', done: promoters.some((row) => row.active_events > 0), to: promoterPath },
    // A visit or sale through a link proves it was shared, whoever copied it.
    { label: 'Share their link (copy it)', done: copied || sold || promoters.some((row) => row.visits > 0), to: promoterPath },
    { label: 'See the first sale', done: sold, to: paths.orders },
  ];
  const remaining = steps.filter((step) => !step.done).length;
  if (remaining === 0) return null;

  return (
    <section className="card checklist" aria-labelledby="checklist-title">
      <div className="card__header">
        <h2 id="checklist-title">Get started</h2>
        <Button size="sm" variant="ghost" onClick={dismiss}>
          Dismiss<span className="visually-hidden"> the getting started checklist</span>
        </Button>
      </div>
      <p className="muted">
        {steps.length - remaining} of {steps.length} done.
      </p>
      <ol className="checklist__steps">
        {steps.map((step) => (
          <li key={step.label} className={step.done ? 'checklist__step checklist__step--done' : 'checklist__step'}>
            <span className="checklist__mark" aria-hidden="true">
              {step.done ? '✓' : ''}
            </span>
            {typeof step.to === 'string' ? (
              <Link to={step.to}>{step.label}</Link>
            ) : (
              <button type="button" className="checklist__action" onClick={step.to}>
                {step.label}
              </button>
            )}
            <span className="visually-hidden">{step.done ? ' (done)' : ' (to do)'}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
