import { QueryErrorResetBoundary } from '@tanstack/react-query';
import { Component, Suspense, type ReactNode } from 'react';
import { errorMessage } from '@/lib/errors';
import { Button } from './button';

interface BoundaryProps {
  children: ReactNode;
  /** When any of these change (the route's params, the filters), a failed panel starts afresh. */
  resetKeys: readonly unknown[];
  onReset: () => void;
  fallback: (props: { error: unknown; reset: () => void }) => ReactNode;
}

const changed = (previous: readonly unknown[], next: readonly unknown[]) =>
  previous.length !== next.length || previous.some((value, index) => !Object.is(value, next[index]));

class Boundary extends Component<BoundaryProps, { error: unknown; failed: boolean }> {
  state = { error: null as unknown, failed: false };

  static getDerivedStateFromError(error: unknown) {
    return { error, failed: true };
  }

  componentDidUpdate(previous: BoundaryProps) {
    if (this.state.failed && changed(previous.resetKeys, this.props.resetKeys)) this.reset();
  }

  reset = () => {
    // Lets the failed queries below fetch again when they mount, instead of rethrowing.
    this.props.onReset();
    this.setState({ error: null, failed: false });
  };

  render() {
    if (this.state.failed) return this.props.fallback({ error: this.state.error, reset: this.reset });
    return this.props.children;
  }
}

const NO_KEYS: readonly unknown[] = [];

/**
 * The one way a panel loads and fails. The panel reads its data with suspense queries
 * (`useSuspenseQuery` with the feature's `queryOptions`); while they load this shows
 * `loading` (the panel's skeleton), and if they fail (or the panel throws) only this panel
 * shows what happened in a sentence with "Try again" — the rest of the page keeps working.
 * "Try again" and a change of `resetKeys` (the route's params) retry the failed queries.
 */
export function PanelErrorBoundary({
  children,
  title = 'This panel could not load',
  loading = null,
  resetKeys = NO_KEYS,
  renderError,
}: {
  children: ReactNode;
  title?: string;
  loading?: ReactNode;
  resetKeys?: readonly unknown[];
  /** A page-shaped error state instead of the panel's (same sentence, same "Try again"). */
  renderError?: (props: { error: unknown; retry: () => void }) => ReactNode;
}) {
  return (
    <QueryErrorResetBoundary>
      {({ reset }) => (
        <Boundary
          onReset={reset}
          resetKeys={resetKeys}
          fallback={({ error, reset: retry }) =>
            renderError ? renderError({ error, retry }) : <PanelError title={title} error={error} onRetry={retry} />
          }
        >
          <Suspense fallback={loading}>{children}</Suspense>
        </Boundary>
      )}
    </QueryErrorResetBoundary>
  );
}

/** The error state of a panel: what happened in a sentence, and a retry. */
export function PanelError({ title, error, onRetry }: { title: string; error: unknown; onRetry?: () => void }) {
  return (
    <div className="panel-error" role="alert">
      <strong>{title}</strong>
      <p>{errorMessage(error)}</p>
      {onRetry ? (
        <Button size="sm" onClick={onRetry}>
          Try again
        </Button>
      ) : null}
    </div>
  );
}
