/** Marks an order the credited promoter bought themselves (their email was the buyer's). */
export function SelfReferralBadge() {
  return (
    <span className="badge badge--warning" title="The buyer's email is the promoter's own email">
      Self-referral
    </span>
  );
}
