import { QueryErrorResetBoundary } from '@tanstack/react-query';
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { errorMessage } from '@/lib/errors';
import { Button } from './button';

interface BoundaryProps {
  children: ReactNode;
  onReset?: () => void;
  fallback: (props: { error: unknown; reset: () => void }) => ReactNode;
}

class Boundary extends Component<BoundaryProps, { error: unknown; failed: boolean }> {
  state = { error: null as unknown, failed: false };

  static getDerivedStateFromError(error: unknown) {
    return { error, failed: true };
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    // Kept visible to developers; the user sees the panel's fallback instead.
    console.warn('Panel failed to render', error, info.componentStack);
  }

  reset = () => {
    this.props.onReset?.();
    this.setState({ error: null, failed: false });
  };

  render() {
    if (this.state.failed) return this.props.fallback({ error: this.state.error, reset: this.reset });
    return this.props.children;
  }
}

/**
 * Wraps one independent panel: if it throws (render or a suspense query), only this panel
 * shows an error with a retry, the rest of the page keeps working.
 */
export function PanelErrorBoundary({ children, title = 'This panel could not load' }: { children: ReactNode; title?: string }) {
  return (
    <QueryErrorResetBoundary>
      {({ reset }) => (
        <Boundary
          onReset={reset}
          fallback={({ error, reset: retry }) => <PanelError title={title} error={error} onRetry={retry} />}
        >
          {children}
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
