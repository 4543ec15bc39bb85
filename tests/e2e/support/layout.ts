/**
 * Layout measurements of the served app in a real Chromium: sideways scrolling, controls
 * that wrap alone or stretch, text cut by its control, and buttons off screen.
 */
import type { Locator, Page } from 'playwright-core';

/** How far the page scrolls sideways (0 when it fits its viewport). */
export function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

export interface ControlRow {
  /** The labels of the controls on this row, left to right. */
  labels: string[];
  tops: number[];
  heights: number[];
  /** The widest control's share of the container's width (1 = stretched across it). */
  widestShare: number;
}

/** The form controls inside `container` grouped into the rows they sit on. */
export function controlRows(container: Locator): Promise<ControlRow[]> {
  return container.evaluate((element) => {
    const width = element.getBoundingClientRect().width;
    const controls = Array.from(element.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')).map((control) => ({
      label: control.labels?.[0]?.textContent ?? control.name,
      rect: control.getBoundingClientRect(),
    }));
    const rows = new Map<number, typeof controls>();
    for (const control of controls) {
      // The label's row: a control a pixel off its neighbours is a misalignment, measured below.
      const key = [...rows.keys()].find((top) => Math.abs(top - control.rect.top) < 8) ?? control.rect.top;
      rows.set(key, [...(rows.get(key) ?? []), control]);
    }
    return [...rows.values()].map((row) => ({
      labels: row.map((control) => control.label),
      tops: row.map((control) => control.rect.top),
      heights: row.map((control) => control.rect.height),
      widestShare: Math.max(...row.map((control) => control.rect.width)) / width,
    }));
  });
}

/**
 * The texts inside `container` its controls cut: a search field's placeholder, or a
 * select's option, wider than the control's room for text (its padding and a select's
 * arrow left out).
 */
export function cutTexts(container: Locator): Promise<string[]> {
  return container.evaluate((element) => {
    const context = document.createElement('canvas').getContext('2d')!;
    const ARROW = 20;
    const cut: string[] = [];
    for (const control of Array.from(element.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input[placeholder], select'))) {
      const style = getComputedStyle(control);
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = control.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - (control instanceof HTMLSelectElement ? ARROW : 0);
      const texts = control instanceof HTMLSelectElement ? Array.from(control.options).map((option) => option.text) : [control.placeholder];
      for (const text of texts) if (context.measureText(text).width > room) cut.push(text);
    }
    return cut;
  });
}

/** The buttons inside `container` that are not wholly within the viewport's width. */
export function buttonsOffScreen(container: Locator): Promise<string[]> {
  return container.evaluate((element) => {
    const width = document.documentElement.clientWidth;
    return Array.from(element.querySelectorAll('button'))
      .filter((button) => {
        const rect = button.getBoundingClientRect();
        return rect.left < 0 || rect.right > width;
      })
      .map((button) => button.textContent ?? '');
  });
}
