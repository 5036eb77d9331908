/**
 * The generated site in a real browser: served on 127.0.0.1, opened in headless Chromium (a system
 * Chromium where installed, else the build shipped by the `@sparticuz/chromium` npm package, so
 * `npm install` is the whole setup). Fails on any console error or a chart without marks, and
 * saves a screenshot of the first screen to test-output/report.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { renderSite } from '../../src/report/html.js';
import { writeFileAtomic } from '../../src/result/io.js';
import { makeResult } from '../fixtures/make-result.js';
import { findChromium } from '../support/chromium.js';

const OUT = 'test-output';
let server: Server;
let url: string;

beforeAll(async () => {
  const history = [1, 2, 3].map((i) =>
    makeResult({ seed: i, commit: `${i}abcdef`.repeat(5), startedAt: `2025-02-0${i}T09:00:00Z` }),
  );
  const site = await renderSite(history);
  const dir = join(OUT, 'site');
  writeFileAtomic(join(dir, 'index.html'), site.html);
  server = createServer((req, res) => {
    if (req.url !== '/' && req.url !== '/index.html') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(readFileSync(join(dir, 'index.html')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

test('the report site renders in Chromium without errors, with marks in every chart', async () => {
  const { executablePath } = await findChromium();
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => void errors.push(e.message));
    page.on('requestfailed', (r) => void errors.push(`request failed: ${r.url()}`));
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => ({
        id: f.id,
        marks: f.querySelectorAll('svg g.role-mark > *').length,
        width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
      })),
    );
    expect(charts.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'headline-eager-speedup',
        'headline-worker-scaling',
        'headline-db-pool-throughput',
        'trend-eager-tasks',
      ]),
    );
    for (const chart of charts) {
      expect(chart.marks, `${chart.id} has no marks`).toBeGreaterThan(0);
      expect(chart.width, `${chart.id} has no width`).toBeGreaterThan(50);
    }
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'report.png') });
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
