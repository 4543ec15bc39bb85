import type { CSSProperties } from 'react';

/** A shimmering placeholder with the shape of the content that is loading. */
export function Skeleton({ width, height = '1rem', className }: { width?: CSSProperties['width']; height?: CSSProperties['height']; className?: string }) {
  return <span className={`skeleton ${className ?? ''}`} style={{ width, height }} aria-hidden="true" />;
}

/** Rows of skeleton lines for a loading list; announced once as "Loading". */
export function SkeletonList({ rows = 5, label = 'Loading' }: { rows?: number; label?: string }) {
  return (
    <div className="skeleton-list" role="status" aria-label={label}>
      {Array.from({ length: rows }, (_, index) => (
        <Skeleton key={index} height="2.75rem" />
      ))}
    </div>
  );
}
