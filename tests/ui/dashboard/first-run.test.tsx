import { randomUUID } from 'node:crypto';
import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { csvPercent } from '@/lib/csv';
import { describePeriod } from '@/lib/period';
import { performanceFileName } from '@/features/promoters/lib/filters';
import { installBrowserStubs } from './browser-stubs';
import {
  buyThroughLink,
  generalAdmission,
  make,
  type Organizer,
  organizerWithOrganization,
  renderApp,
  startDashboardEmulator,
  stopDashboardEmulator,
} from './harness';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));

let organizer: Organizer;
let stubs: ReturnType<typeof installBrowserStubs>;

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  stubs = installBrowserStubs();
  organizer = await organizerWithOrganization('First Run Events', 'EUR');
});
const originalScrollIntoView = Element.prototype.scrollIntoView;
afterEach(() => {
  Element.prototype.scrollIntoView = originalScrollIntoView;
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** The bytes of a download: FileReader's text decoding would hide a byte order mark. */
function readBytes(blob: Blob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(blob);
  });
}

function checklist() {
  return screen.getByRole('region', { name: 'Get started' });
}

function step(name: string) {
  return within(checklist()).getByText(name).closest('li') as HTMLElement;
}

describe('the first-run checklist', () => {
  it('shows an empty organization every step as to do, each leading to where it is done', async () => {
    const { user } = renderApp('/dashboard/promoters');
    await screen.findByRole('region', { name: 'Get started' });
    expect(checklist()).toHaveTextContent('0 of 7 done');
    expect(within(checklist()).getByRole('link', { name: 'Create an event' })).toHaveAttribute('href', '/dashboard/events');
    expect(within(checklist()).getByRole('link', { name: 'See the first sale' })).toHaveAttribute('href', '/dashboard/orders');
    expect(step('Create an event')).toHaveTextContent('(to do)');

    // "Add a promoter" opens the add form right here.
    await user.click(within(checklist()).getByRole('button', { name: 'Add a promoter' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Add promoter' })).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Add promoter' })).not.toBeInTheDocument());
  });

  it('ticks event, ticket types, publishing, promoter and activation from the data, the link once copied, the sale once made', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `first-${randomUUID().slice(0, 8)}`, name: 'First Night', ticketTypes: generalAdmission(1000) });
    const promoterId = (await make(organizer).promoter(organizer.organization, { name: 'Ana Lopez', code: 'ANA', events: [event.id] })).id;

    const first = renderApp('/dashboard/promoters');
    await screen.findByRole('region', { name: 'Get started' });
    await waitFor(() => expect(checklist()).toHaveTextContent('5 of 7 done'));
    for (const done of ['Create an event', 'Add ticket types', 'Publish the event', 'Add a promoter', 'Activate a promoter on the event']) {
      expect(step(done)).toHaveTextContent('(done)');
    }
    expect(step('Share their link (copy it)')).toHaveTextContent('(to do)');
    expect(within(checklist()).getByRole('link', { name: 'Share their link (copy it)' })).toHaveAttribute('href', `/dashboard/promoters/${promoterId}`);

    await first.user.click(within(checklist()).getByRole('link', { name: 'Share their link (copy it)' }));
    const links = await screen.findByRole('region', { name: 'Tracking links' });
    await first.user.click(await within(links).findByRole('button', { name: /^Copy link/ }));
    await waitFor(() => expect(checklist()).toHaveTextContent('6 of 7 done'));
    expect(step('Share their link (copy it)')).toHaveTextContent('(done)');
    first.unmount();

    await buyThroughLink(event, 'ANA', 1);
    renderApp('/dashboard/promoters');
    await screen.findByRole('list', { name: 'Promoters' });
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Get started' })).not.toBeInTheDocument());
    // Still gone once every query has settled, not just before the checklist's data arrived.
    await screen.findByRole('region', { name: 'Summary' });
    expect(screen.queryByRole('region', { name: 'Get started' })).not.toBeInTheDocument();
  });

  it('stays hidden once dismissed', async () => {
    const first = renderApp('/dashboard/promoters');
    await screen.findByRole('region', { name: 'Get started' });
    await first.user.click(within(checklist()).getByRole('button', { name: /^Dismiss/ }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Get started' })).not.toBeInTheDocument());
    first.unmount();

    renderApp('/dashboard/promoters');
    await screen.findByText('No promoters yet — add your first');
    expect(screen.queryByRole('region', { name: 'Get started' })).not.toBeInTheDocument();
  });
});

describe('figures that say what they cover', () => {
  it('names the period of group totals and the leaderboard, and explains conversion', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `period-${randomUUID().slice(0, 8)}`, name: 'Period Night', ticketTypes: generalAdmission(1000) });
    const crew = (await make(organizer).group(organizer.organization, { name: 'Street Crew' })).id;
    await make(organizer).promoter(organizer.organization, { name: 'Ana Lopez', code: 'ANA', events: [event.id], groups: [crew] });
    const { user } = renderApp('/dashboard/promoters?range=all');
    const groups = await screen.findByRole('region', { name: 'Group performance' });
    expect(groups).toHaveTextContent('Totals cover: All time.');
    expect(within(groups).getAllByTitle(/^Orders divided by visits/).length).toBeGreaterThan(0);
    expect(groups).toHaveTextContent('Conversion = orders ÷ visits.');
    const leaderboard = await screen.findByRole('region', { name: 'Leaderboard' });
    expect(leaderboard).toHaveTextContent('Figures cover: All time.');

    await user.selectOptions(screen.getByLabelText('Date range'), 'custom');
    await user.type(screen.getByLabelText('From'), '2026-03-01');
    await user.type(screen.getByLabelText('To'), '2026-03-31');
    const expected = `Totals cover: ${describePeriod({ from: new Date(2026, 2, 1).toISOString(), to: new Date(2026, 3, 1).toISOString() })}.`;
    await waitFor(() => expect(screen.getByRole('region', { name: 'Group performance' })).toHaveTextContent(expected));
  });

  it('on the Groups page says its totals are all time', async () => {
    await make(organizer).group(organizer.organization, { name: 'Street Crew' });
    renderApp('/dashboard/groups');
    const groups = await screen.findByRole('region', { name: 'Group performance' });
    expect(groups).toHaveTextContent('Totals cover: All time.');
    expect(await within(groups).findByRole('row', { name: /Street Crew/ })).toBeInTheDocument();
    expect(within(groups).getByRole('table')).toHaveClass('table--stack');
  });
});

describe('CSV for spreadsheets', () => {
  it('starts with a UTF-8 BOM, writes conversion as a percentage and names the range and group', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `csv-${randomUUID().slice(0, 8)}`, name: 'CSV Night', ticketTypes: generalAdmission(1000) });
    const crew = (await make(organizer).group(organizer.organization, { name: 'Équipe Nord' })).id;
    await make(organizer).promoter(organizer.organization, { name: 'Zoë Ångström', code: 'ZOE', events: [event.id], groups: [crew] });
    await buyThroughLink(event, 'ZOE', 1);
    const { user } = renderApp(`/dashboard/promoters?range=custom&from=2020-01-01&to=2099-12-31&group=${crew}`);
    await within(await screen.findByRole('list', { name: 'Promoters' })).findByText('Zoë Ångström');
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(stubs.downloads).toHaveLength(1);
    expect(stubs.downloads[0].name).toBe('promoters_2020-01-01_to_2099-12-31_equipe-nord.csv');
    const bytes = await readBytes(stubs.downloads[0].blob);
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    expect(text.match(/\uFEFF/g)).toHaveLength(1);
    expect(text).toContain('Zoë Ångström,ZOE,,,1,10.00,1,1,100%,1');
  });

  it('formats ratios and file names', () => {
    expect(csvPercent(0.125)).toBe('12.5%');
    expect(csvPercent(1 / 3)).toBe('33.33%');
    expect(csvPercent(0)).toBe('0%');
    expect(csvPercent(null)).toBe('');
    const now = new Date(2026, 10, 30, 15);
    expect(performanceFileName('promoters', { from: null, to: null }, null, now)).toBe('promoters_all-time_to_2026-11-30.csv');
    expect(performanceFileName('promoters', { from: new Date(2026, 10, 1).toISOString(), to: null }, 'VIP / Friends', now)).toBe(
      'promoters_2026-11-01_to_2026-11-30_vip-friends.csv',
    );
  });
});

describe('small and large screens', () => {
  it('keeps a 120-character name readable in a title and truncatable beside the numbers', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `long-${randomUUID().slice(0, 8)}`, name: 'Long Night', ticketTypes: generalAdmission(1000) });
    const long = 'Ana '.repeat(30).trim().padEnd(120, 'x');
    expect(long).toHaveLength(120);
    await make(organizer).promoter(organizer.organization, { name: long, code: 'LONG1', events: [event.id] });
    renderApp('/dashboard/promoters');
    const list = await screen.findByRole('list', { name: 'Promoters' });
    const name = await within(list).findByText(long);
    expect(name).toHaveClass('leaderboard__name');
    expect(name.parentElement).toHaveClass('leaderboard__who');
    expect(name.parentElement).toHaveAttribute('title', `${long} (LONG1)`);
  });

  it('on a phone, opening a promoter brings its panel into view', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `phone-${randomUUID().slice(0, 8)}`, name: 'Phone Night', ticketTypes: generalAdmission(1000) });
    const promoterId = (await make(organizer).promoter(organizer.organization, { name: 'Ana Lopez', code: 'ANA', events: [event.id] })).id;
    const scrolled: Element[] = [];
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolled.push(this);
    };
    vi.stubGlobal(
      'matchMedia',
      vi.fn((query: string) => ({ matches: query === '(max-width: 960px)', media: query, addEventListener() {}, removeEventListener() {} })),
    );
    const { user, pathname } = renderApp('/dashboard/promoters');
    const list = await screen.findByRole('list', { name: 'Promoters' });
    await user.click(within(list).getByRole('link', { name: /Ana Lopez/ }));
    await waitFor(() => expect(pathname()).toBe(`/dashboard/promoters/${promoterId}`));
    await waitFor(() => expect(scrolled).toHaveLength(1));
    expect(scrolled[0]).toHaveClass('performance__detail');
    expect(scrolled[0]).toContainElement(await screen.findByRole('heading', { name: 'Ana Lopez' }));
  });

  it('on a wide screen, opening a promoter does not move the page', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `wide-${randomUUID().slice(0, 8)}`, name: 'Wide Night', ticketTypes: generalAdmission(1000) });
    await make(organizer).promoter(organizer.organization, { name: 'Ana Lopez', code: 'ANA', events: [event.id] });
    let scrolls = 0;
    Element.prototype.scrollIntoView = () => {
      scrolls += 1;
    };
    vi.stubGlobal('matchMedia', vi.fn((query: string) => ({ matches: false, media: query, addEventListener() {}, removeEventListener() {} })));
    const { user } = renderApp('/dashboard/promoters');
    const list = await screen.findByRole('list', { name: 'Promoters' });
    await user.click(within(list).getByRole('link', { name: /Ana Lopez/ }));
    await screen.findByRole('heading', { name: 'Ana Lopez' });
    expect(scrolls).toBe(0);
  });
});
