/**
 * The event's hero that the host writes into the HTML of `/events/<slug>` (the link
 * preview handler, edge/event-preview.ts) so the page paints before its JavaScript runs.
 * It sits before the app's root, which stays hidden while it is there (event-hero.css);
 * the app removes it in the same commit that renders the event page's own content (or its
 * not-found or error state, or another page), so the swap never shows and nothing moves.
 *
 * No React and no other imports: the edge handler imports the id from here.
 */
export const PRERENDERED_EVENT_ID = 'prerendered-event';

/** Removes the host's static hero, if the page has one. */
export function removePrerenderedEvent(doc: Document | undefined = globalThis.document): void {
  doc?.getElementById(PRERENDERED_EVENT_ID)?.remove();
}
