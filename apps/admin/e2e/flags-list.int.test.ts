/**
 * The flags list past one page, in real Chromium against a real server: rows come from the
 * server a page at a time and only those near the viewport are drawn, yet the table still
 * says how many flags there are, Tab walks row after row into pages not loaded yet, search
 * and tag filters ask the server, and axe-core finds nothing.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, signIn, startSuite } from './harness';

const FLAGS = 250;
const key = (i: number) => `list-item-${String(i).padStart(3, '0')}`;

let suite: Awaited<ReturnType<typeof startSuite>>;
let page: Page;

beforeAll(async () => {
  suite = await startSuite();
  page = suite.page;
  for (let i = 0; i < FLAGS; i++) {
    const res = await suite.api.post('/api/admin/flags', { key: key(i), type: 'boolean', tags: i % 25 === 0 ? ['checkout'] : [] });
    expect(res.status).toBe(201);
  }
  await signIn(page, `${suite.server.url}/flags?env=production`);
}, 180_000);

afterAll(async () => {
  await suite?.browser.close();
  await suite?.server.close();
});

const table = () => page.locator('table.flags-table');
const drawnRows = () => page.locator('table.flags-table tbody tr[aria-rowindex]');
const rowIndexOf = async (i: number) => Number(await drawnRows().nth(i).getAttribute('aria-rowindex'));

describe('flags list at 250 flags', () => {
  it('announces every flag but draws only the rows near the viewport', async () => {
    await page.goto(`${suite.server.url}/flags?env=production`);
    await drawnRows()
      .first()
      .filter({ hasText: key(0) })
      .waitFor();
    const total = (await suite.api.get<{ total: number }>('/api/admin/flags?environment=production&limit=1')).body.total;
    expect(total).toBeGreaterThanOrEqual(FLAGS);
    await expect.poll(() => table().getAttribute('aria-rowcount')).toBe(String(total + 1));
    const drawn = await drawnRows().count();
    expect(drawn).toBeGreaterThan(5);
    expect(drawn).toBeLessThan(60);
    expect(await rowIndexOf(0)).toBe(2);
    // Spacer rows keep the scroll height but are hidden from assistive technology.
    expect(
      await page
        .locator('table.flags-table tbody tr:not([aria-rowindex])')
        .evaluateAll((rows) => rows.every((r) => r.getAttribute('aria-hidden') === 'true')),
    ).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('Tab walks from row to row past the first page, which loads as the rows come up', async () => {
    await page.locator('table.flags-table tbody a').first().focus();
    // At a reader's pace: each Tab after the rows it moves into are drawn (the page loading ahead of them included),
    // as a person sees them; pressed faster than the browser draws, focus could run past the last drawn row.
    const drawnAhead = () =>
      page.waitForFunction(() => {
        const table = document.querySelector('table.flags-table');
        const row = document.activeElement?.closest('tr[aria-rowindex]');
        if (!table || !row || table.getAttribute('aria-busy') === 'true') return false;
        return row !== [...table.querySelectorAll('tbody tr[aria-rowindex]')].pop();
      });
    for (let i = 0; i < 130; i++) {
      await drawnAhead();
      await page.keyboard.press('Tab');
    }
    const focused = await page.evaluate(() => {
      const row = document.activeElement?.closest('tr');
      return { index: Number(row?.getAttribute('aria-rowindex') ?? 0), text: row?.textContent ?? '' };
    });
    // About one stop per row (a tag button on every 25th): far past the first page of 100 rows,
    // and the focused row is the flag its row index says.
    expect(focused.index).toBeGreaterThan(120);
    expect(focused.text).toContain(key(focused.index - 2));
    await expect.poll(() => page.locator(':focus').isVisible()).toBe(true);
    expect(await rowIndexOf(0)).toBeGreaterThan(2);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('search and the tag filter ask the server and the row count follows', async () => {
    await page.goto(`${suite.server.url}/flags?env=production`);
    // Word starts: list-item-240 to list-item-249.
    await page.getByLabel('Search flags').fill('list-item-24');
    await expect.poll(() => drawnRows().allTextContents()).toHaveLength(10);
    expect((await drawnRows().allTextContents()).every((t) => t.includes('list-item-24'))).toBe(true);
    await expect.poll(() => table().getAttribute('aria-rowcount')).toBe('11');

    await page.getByLabel('Search flags').fill('');
    await page
      .getByLabel('Tag')
      .selectOption('checkout')
      .catch(async () => {
        // The tag picker offers the tags of loaded rows; asking by URL works for any tag.
        await page.goto(`${suite.server.url}/flags?env=production&tag=checkout`);
      });
    await expect.poll(() => table().getAttribute('aria-rowcount')).toBe(String(FLAGS / 25 + 1));
    expect(await drawnRows().count()).toBe(FLAGS / 25);
    expect(await axeViolations(page)).toEqual([]);
  });
});
