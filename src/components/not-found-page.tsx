import { Link } from 'react-router-dom';

/** The shared "nothing here" page, for unknown routes and records that do not exist. */
export function NotFoundPage({
  title = 'Page not found',
  message = 'The page you are looking for does not exist or was moved.',
  homeHref = '/',
  homeLabel = 'Go to the start page',
}: {
  title?: string;
  message?: string;
  homeHref?: string;
  homeLabel?: string;
}) {
  return (
    <main className="not-found">
      <p className="not-found__code" aria-hidden="true">
        404
      </p>
      <h1>{title}</h1>
      <p>{message}</p>
      <Link className="btn btn--primary" to={homeHref}>
        {homeLabel}
      </Link>
    </main>
  );
}
