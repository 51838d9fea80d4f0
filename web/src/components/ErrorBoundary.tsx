import { Component, type ErrorInfo, type ReactNode } from 'react';
import { useRouteError } from 'react-router';

function Failure({ onRetry }: { onRetry: () => void }) {
  return (
    <section className="page page-message" role="alert" aria-labelledby="failure-title">
      <h1 id="failure-title">This page could not be shown</h1>
      <p>Something went wrong while showing this page. Your data is safe.</p>
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </section>
  );
}

/** Catches a page's rendering errors: a friendly message and "Try again" (re-renders the page). */
export class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(error, info.componentStack);
  }

  override render() {
    return this.state.failed ? <Failure onRetry={() => this.setState({ failed: false })} /> : this.props.children;
  }
}

/** The router's error element (a page's chunk failed to load, or a loader threw): reloads. */
export function RouteError() {
  const error = useRouteError();
  console.error(error);
  return <Failure onRetry={() => window.location.reload()} />;
}
