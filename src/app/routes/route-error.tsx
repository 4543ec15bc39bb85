import { isRouteErrorResponse, useRouteError } from 'react-router-dom';
import { NotFoundPage } from '@/components/not-found-page';

/** Last line of defence for a route that throws: a page with a way back, not a blank screen. */
export function RouteError() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFoundPage />;
  return (
    <NotFoundPage
      title="Something went wrong"
      message="This page failed to load. Reloading usually helps; if it does not, try again in a minute."
      homeLabel="Back to the start"
    />
  );
}
