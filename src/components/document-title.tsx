/** The product's name, after each page's own title in the browser tab. */
export const APP_NAME = 'Promoter Links';

/** What the browser tab, history and bookmarks show for a page: "Orders · Promoter Links". */
export function documentTitle(title: string): string {
  return `${title} · ${APP_NAME}`;
}

/**
 * The page's title. React hoists the `<title>` into the document head, ahead of the
 * static one in index.html, and takes it out when the page goes, so the tab always names
 * what is on screen. One per screen: the route table titles the pages whose title is
 * fixed; pages named after what they show (an event, a promoter, an order) render their
 * own, and their routes have none.
 */
export function DocumentTitle({ title }: { title: string }) {
  return <title>{documentTitle(title)}</title>;
}
