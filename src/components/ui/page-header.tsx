import type { ReactNode } from 'react';

/** A dashboard page's heading, with the page's own actions (if any) at the other end. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children}
    </div>
  );
}
