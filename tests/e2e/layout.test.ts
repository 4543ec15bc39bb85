/**
 * Layout of the promoters page and group totals in a real Chromium with the SPA's own
 * stylesheet: a 120-character promoter name stays clear of the numbers at 1366 px, the
 * page fits 390 px without sideways scrolling, every section link shows at 390 px, and the
 * open promoter comes first when the layout is stacked. The markup mirrors the classes the
 * components render.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './support/browser';

const LONG_NAME = 'Ana '.repeat(30).trim().padEnd(120, 'x');
const PAGE = `

<div class="shell"><header class="topbar"><a class="brand">Promoter Links</a><nav class="nav"><a>Overview</a><a>Promoters</a><a>Groups</a><a>Events</a><a>Orders</a><a>Members</a><a>Settings</a></nav><div class="topbar__end"><span class="live-indicator">Live</span><span class="org-switcher"><select class="select org-switcher__select"><option>Harbour Nights Collective</option></select></span><button class="btn btn--sm btn--ghost">Leave organization</button><a class="topbar__link">Account</a><button class="btn btn--sm btn--ghost">Sign out</button></div></header>
<main class="main">
<div class="page-header"><h1>Promoters</h1><button class="btn btn--primary">Add promoter</button></div>
<section class="card checklist"><div class="card__header"><h2>Get started</h2><button class="btn btn--sm btn--ghost">Dismiss</button></div><ol class="checklist__steps"><li class="checklist__step checklist__step--done"><span class="checklist__mark">✓</span><a href="#">Create an event</a></li><li class="checklist__step"><span class="checklist__mark"></span><a href="#">Activate a promoter on the event</a></li></ol></section>
<div class="toolbar"><div class="field"><label>Search</label><input class="input" type="search"></div><div class="field"><label>Date range</label><select class="select"><option>Last 30 days</option></select></div></div>
<div class="chip-row"><button class="chip">All <span class="chip__count">12</span></button><button class="chip">Influencers <span class="chip__count">4</span></button><button class="chip">Venue staff <span class="chip__count">3</span></button></div>
<section aria-label="Summary"><dl class="stat-grid"><div class="stat"><dt>Promoters</dt><dd>12</dd></div><div class="stat"><dt>Tickets via promoters</dt><dd>1,234</dd></div><div class="stat"><dt>Revenue via promoters</dt><dd>€123,456.00</dd></div><div class="stat"><dt>Visits</dt><dd>9,876</dd></div><div class="stat"><dt>Conversion</dt><dd>12.5%</dd></div></dl></section>
<div class="performance performance--with-detail">
<section class="card"><div class="card__header"><h2>Leaderboard</h2><div class="toolbar"><div class="field"><label>Sort by</label><select class="select"><option>Tickets</option></select></div><button class="btn btn--sm">Export CSV</button></div></div>
<p class="muted card__note">Figures cover: 1 Nov 2026 – today. <abbr title="x">Conversion</abbr> = orders ÷ visits.</p>
<ol class="leaderboard"><li class="leaderboard__item"><a id="row"><span class="leaderboard__rank">1</span><span class="leaderboard__who" id="who"><span class="leaderboard__name" id="name">${LONG_NAME}</span><span class="leaderboard__code muted mono">LONGCODE2026</span></span><span class="leaderboard__metrics" id="metrics"><span>1,234<small>tickets</small></span><span>€123,456.00<small>revenue</small></span><span>12.5%<small>conversion</small></span></span></a></li></ol></section>
<div class="performance__detail" id="detail"><section class="card"><h2>Detail</h2></section></div>
</div>
<section class="card"><div class="card__header"><h2>Group performance</h2></div><p class="muted card__note">Totals cover: 1 Nov 2026 – today. <abbr title="x">Conversion</abbr> = orders ÷ visits.</p>
<div class="table-wrap"><table class="table table--stack"><thead><tr><th>Group</th><th class="num">Promoters</th><th class="num">Tickets</th><th class="num">Revenue</th><th class="num">Visits</th><th class="num">Conversion</th><th>Actions</th></tr></thead><tbody><tr><th scope="row"><span class="swatch"></span> Influencers and friends of the venue</th><td class="num" data-label="Promoters">4</td><td class="num" data-label="Tickets">1,234</td><td class="num" data-label="Revenue">€123,456.00</td><td class="num" data-label="Visits">9,876</td><td class="num" data-label="Conversion">12.5%</td><td class="num"><button class="btn btn--sm btn--ghost">Rename</button><button class="btn btn--sm btn--ghost">Delete</button></td></tr></tbody></table></div></section>
</main></div>`;

let browser: Browser;
let css: string;

beforeAll(async () => {
  browser = await launchBrowser();
  css = await readFile(fileURLToPath(new URL('../../src/styles/global.css', import.meta.url)), 'utf8');
});
afterAll(async () => {
  await browser?.close();
});

async function measure(width: number) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.setContent(`<!doctype html><html><head><style>${css}</style></head><body>${PAGE}</body></html>`);
  const figures = await page.evaluate(() => {
    const element = (id: string) => document.getElementById(id) as HTMLElement;
    const rect = (id: string) => element(id).getBoundingClientRect();
    const wrap = document.querySelector('.table-wrap') as HTMLElement;
    return {
      pageScrollWidth: document.documentElement.scrollWidth,
      pageWidth: document.documentElement.clientWidth,
      nameRight: rect('name').right,
      nameTruncated: element('name').scrollWidth > element('name').clientWidth,
      metricsLeft: rect('metrics').left,
      metricsTop: rect('metrics').top,
      nameBottom: rect('name').bottom,
      detailTop: rect('detail').top,
      listTop: rect('row').top,
      tableScrollWidth: wrap.scrollWidth,
      tableWidth: wrap.clientWidth,
      navCut: (() => {
        const nav = document.querySelector('.nav') as HTMLElement;
        return nav.scrollWidth > nav.clientWidth;
      })(),
      navLinksRight: Math.max(...Array.from(document.querySelectorAll('.nav a')).map((a) => a.getBoundingClientRect().right)),
      topbarPosition: getComputedStyle(document.querySelector('.topbar') as HTMLElement).position,
    };
  });
  await page.close();
  return figures;
}

describe('promoters page layout', () => {
  it('keeps a 120-character name clear of the numbers at 1366 px, truncated', async () => {
    const figures = await measure(1366);
    expect(figures.nameTruncated).toBe(true);
    expect(figures.nameRight).toBeLessThanOrEqual(figures.metricsLeft);
    expect(figures.pageScrollWidth).toBeLessThanOrEqual(figures.pageWidth);
    expect(figures.navCut).toBe(false);
    expect(figures.navLinksRight).toBeLessThanOrEqual(1366);
  });

  it('fits 390 px without sideways scrolling, group table included, the open promoter first', async () => {
    const figures = await measure(390);
    expect(figures.pageScrollWidth).toBeLessThanOrEqual(figures.pageWidth);
    expect(figures.tableScrollWidth).toBeLessThanOrEqual(figures.tableWidth);
    expect(figures.nameTruncated).toBe(true);
    // Stacked: the numbers go on their own line under the name instead of over it.
    expect(figures.metricsTop).toBeGreaterThanOrEqual(figures.nameBottom - 1);
    expect(figures.detailTop).toBeLessThan(figures.listTop);
  });

  it('shows every section link at 390 px, wrapped rather than scrolled, in a bar that does not stay pinned', async () => {
    const figures = await measure(390);
    expect(figures.navLinksRight).toBeLessThanOrEqual(390);
    expect(figures.topbarPosition).toBe('static');
  });
});
