/**
 * `GET /api/admin/flags` paging, search and filters, run on PGlite (list.test.ts) and on
 * Postgres (list.int.test.ts): the search leans on a full-text index both must build the same way.
 */
import { describe, expect, it } from 'vitest';
import type { App } from '../app.js';
import { createFlag, http, ifMatch, patchConfig, type Http } from './http.js';

interface Page {
  flags: { key: string; summary?: { enabled: boolean } }[];
  nextCursor?: string | null;
  total?: number;
}

export function flagListSuite(app: () => App): void {
  let api: Http;
  const page = async (query: string): Promise<Page> => {
    const res = await api.get(`/api/admin/flags?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const keys = (p: Page) => p.flags.map((f) => f.key);
  /** Every page of a query, following `nextCursor`. */
  const allPages = async (query: string, limit: number): Promise<Page[]> => {
    const pages: Page[] = [];
    let cursor: string | null | undefined;
    do {
      pages.push(await page(`${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
      cursor = pages[pages.length - 1]!.nextCursor;
    } while (cursor);
    return pages;
  };

  describe('GET /api/admin/flags paging, search and filters', () => {
    it('seeds flags to page through', async () => {
      api = http(app());
      for (const i of [1, 2, 3, 4, 5, 6, 7]) await createFlag(api, `pg-item-${i}`, { tags: i % 2 === 0 ? ['even'] : ['odd'] });
      await createFlag(api, 'checkout-redesign', { name: 'Checkout redesign', description: 'One-page payment flow', tags: ['checkout'] });
      await createFlag(api, 'search_box_v2', { name: 'Search box', description: 'Typeahead über alles' });
      await createFlag(api, 'legacy-banner', { name: 'Legacy banner' });
    });

    it('without limit answers every flag and no paging fields, as before', async () => {
      const all = await page('');
      expect(keys(all)).toEqual([...keys(all)].sort());
      expect(keys(all)).toEqual(expect.arrayContaining(['pg-item-1', 'pg-item-7', 'checkout-redesign']));
      expect(all).not.toHaveProperty('nextCursor');
      expect(all).not.toHaveProperty('total');
    });

    it('pages in key order with an opaque cursor; the pages together are the whole list once', async () => {
      const pages = await allPages('q=pg', 3);
      expect(pages.map((p) => p.flags.length)).toEqual([3, 3, 1]);
      expect(pages.flatMap(keys)).toEqual(['pg-item-1', 'pg-item-2', 'pg-item-3', 'pg-item-4', 'pg-item-5', 'pg-item-6', 'pg-item-7']);
      expect(pages.map((p) => p.total)).toEqual([7, 7, 7]);
      expect(pages[2]!.nextCursor).toBeNull();
      expect(pages[0]!.nextCursor).not.toContain('pg-item');
    });

    it('a cursor stays valid when flags are created before and after it', async () => {
      const first = await page('q=pg&limit=3');
      expect(keys(first)).toEqual(['pg-item-1', 'pg-item-2', 'pg-item-3']);
      await createFlag(api, 'pg-item-0');
      await createFlag(api, 'pg-item-35');
      const second = await page(`q=pg&limit=3&cursor=${encodeURIComponent(first.nextCursor!)}`);
      expect(keys(second)).toEqual(['pg-item-35', 'pg-item-4', 'pg-item-5']);
      expect(second.total).toBe(9);
    });

    it('q matches word starts in key, name and description, case-insensitively, every word', async () => {
      expect(keys(await page('q=checkout'))).toEqual(['checkout-redesign']);
      expect(keys(await page('q=CHECK'))).toEqual(['checkout-redesign']);
      expect(keys(await page('q=payment'))).toEqual(['checkout-redesign']);
      expect(keys(await page('q=one-page'))).toEqual(['checkout-redesign']);
      expect(keys(await page('q=one-pa'))).toEqual(['checkout-redesign']);
      expect(keys(await page('q=one-page%20flow'))).toEqual(['checkout-redesign']);
      expect(keys(await page('q=search%20typeahead'))).toEqual(['search_box_v2']);
      expect(keys(await page('q=%C3%BCber'))).toEqual(['search_box_v2']);
      expect(keys(await page('q=v2'))).toEqual(['search_box_v2']);
      expect(keys(await page('q=search%20legacy'))).toEqual([]);
      expect(await page('q=nothing-like-this&limit=10')).toEqual({ flags: [], nextCursor: null, total: 0 });
    });

    it('q made of punctuation or quotes matches nothing and never fails', async () => {
      for (const q of ["'", '&|!:*', '(', "o'brien"]) expect(keys(await page(`q=${encodeURIComponent(q)}`))).toEqual([]);
      // Blank is no search at all.
      expect((await page('q=%20&limit=1')).total).toBeGreaterThanOrEqual(12);
    });

    it('tag selects flags carrying it', async () => {
      expect(keys(await page('tag=even&q=pg'))).toEqual(['pg-item-2', 'pg-item-4', 'pg-item-6']);
      expect(keys(await page('tag=checkout'))).toEqual(['checkout-redesign']);
    });

    it('status selects by state in the environment: on, off, rolling-out, archived', async () => {
      expect((await patchConfig(api, 'pg-item-1', 'development', { enabled: true })).statusCode).toBe(200);
      expect((await patchConfig(api, 'pg-item-2', 'development', { enabled: true })).statusCode).toBe(200);
      const rolled = await api.put(
        '/api/admin/flags/pg-item-2/environments/development/rollout',
        { percentage: 25 },
        ifMatch((await api.get('/api/admin/flags/pg-item-2/environments/development')).json().version),
      );
      expect(rolled.statusCode, rolled.body).toBe(200);
      const flag = (await api.get('/api/admin/flags/pg-item-3')).json();
      expect((await api.patch('/api/admin/flags/pg-item-3', { archived: true }, ifMatch(flag.version))).statusCode).toBe(200);

      expect(keys(await page('environment=development&status=on&q=pg'))).toEqual(['pg-item-1']);
      expect(keys(await page('environment=development&status=rolling-out&q=pg'))).toEqual(['pg-item-2']);
      const off = await page('environment=development&status=off&q=pg&limit=50');
      expect(keys(off)).toEqual(['pg-item-0', 'pg-item-35', 'pg-item-4', 'pg-item-5', 'pg-item-6', 'pg-item-7']);
      expect(off.total).toBe(6);
      expect(off.flags.every((f) => f.summary?.enabled === false)).toBe(true);
      expect(keys(await page('environment=production&status=on&q=pg'))).toEqual([]);
      expect(keys(await page('status=archived&q=pg'))).toEqual(['pg-item-3']);
      // Unfiltered lists still hide archived flags unless asked.
      expect(keys(await page('q=pg'))).not.toContain('pg-item-3');
      expect(keys(await page('q=pg&archived=true'))).toContain('pg-item-3');
    });

    it('refuses bad paging and filters with a 400 naming the field', async () => {
      const cases: [string, string][] = [
        ['status=on', 'environment'],
        ['limit=10&cursor=not-a-cursor', 'cursor'],
        [`limit=10&cursor=${Buffer.from('{"x":1}').toString('base64url')}`, 'cursor'],
        ['limit=0', 'limit'],
        ['limit=501', 'limit'],
        ['status=paused&environment=development', 'status'],
        ['tag=Not%20A%20Tag', 'tag'],
      ];
      for (const [query, field] of cases) {
        const res = await api.get(`/api/admin/flags?${query}`);
        expect(res.statusCode, query).toBe(400);
        expect(res.json().error.field, query).toContain(field);
      }
      expect((await api.get('/api/admin/flags?environment=nowhere&limit=5')).statusCode).toBe(404);
    });
  });
}
