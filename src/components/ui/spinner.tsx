/** A small busy indicator; `label` is what screen readers hear ('' when the context says it). */
export function Spinner({ size = 'md', label = 'Loading' }: { size?: 'sm' | 'md'; label?: string }) {
  return (
    <span className={`spinner spinner--${size}`} role={label ? 'status' : undefined} aria-label={label || undefined} aria-hidden={label ? undefined : true} />
  );
}

/** What a whole page shows while it waits: one centred spinner saying what it waits for. */
export function PageSpinner({ label }: { label: string }) {
  return (
    <div className="center">
      <Spinner label={label} />
    </div>
  );
}
