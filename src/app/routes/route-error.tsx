import { Component, type ReactNode } from 'react';
import { NotFoundPage } from '@/components/not-found-page';
import { removePrerenderedEvent } from '@/features/attendee/lib/prerendered-event';

interface Props {
  children: ReactNode;
  /** The current path: navigating elsewhere clears the error. */
  resetKey: string;
}

/**
 * Last line of defence for a page that throws (or whose chunk fails to download): a page
 * with a way back, not a blank screen. Panels have their own boundaries; this one only
 * sees what escaped them. The root reports what it catches (`@/lib/report-caught-error`).
 */
export class RouteErrorBoundary extends Component<Props, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  componentDidCatch() {
    // The event page's static hero hides the root; the fallback must show.
    removePrerenderedEvent();
  }

  componentDidUpdate(previous: Props) {
    if (this.state.failed && previous.resetKey !== this.props.resetKey) this.setState({ failed: false });
  }

  render() {
    if (this.state.failed) {
      return (
        <NotFoundPage
          title="Something went wrong"
          message="This page failed to load. Reloading usually helps; if it does not, try again in a minute."
          homeLabel="Back to the start"
        />
      );
    }
    return this.props.children;
  }
}
