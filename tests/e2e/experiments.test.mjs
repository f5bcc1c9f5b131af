// The Experiments view and the tour: a tiny learning-rate sweep (its first 3 runs, CPU backend) trains in the tab, a
// reload mid-sweep keeps the finished runs and continues, the chart is drawn with the runs' points and the tables list
// them; an imported sweep record is checked (a bad file gets a clear message); the tour's six questions carry their
// sources and their buttons open the matching views.
import { assert, textOf } from './harness.mjs';

/** Three micro runs of the tiny LR sweep (N = 6.6k at three rates, ~1.6e10 FLOPs each) on the CPU backend. */
const SWEEP = 'view=experiments&sweep=lr&sweep_budget=tiny&runs=3&backend=cpu';
const KEY = 'scaling-lab/sweep/lr-tiny-s1-r3';

const rows = (page, status) => page.locator(`[data-testid="sweep-run"][data-status="${status}"]`).count();

/** How many pixels of the chart's canvas have the first series' colour (Okabe–Ito blue, rgb(0, 114, 178)). */
async function seriesPixels(page, testid) {
  return page.evaluate((id) => {
    const c = document.querySelector(`[data-testid="${id}"]`);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - 0) < 30 && Math.abs(d[i + 1] - 114) < 30 && Math.abs(d[i + 2] - 178) < 30) n++;
    }
    return n;
  }, testid);
}

export default [
  {
    name: 'experiments: a tiny sweep trains on the CPU, survives a reload, and fills the chart and tables',
    webgpu: false,
    async run(page, url) {
      await page.goto(`${url}?${SWEEP}`);
      const start = page.locator('[data-testid="sweep-start"]');
      await start.waitFor();
      assert((await page.locator('[data-testid="sweep-run"]').count()) === 3, 'the plan is cut to 3 runs (runs=3)');
      assert(await page.locator('[data-testid="sweep-lr"]').isChecked(), 'the URL chose the LR sweep');
      await page.waitForFunction(() => !document.querySelector('[data-testid="sweep-start"]').disabled, null, { timeout: 60000 });
      await start.click();
      await page.waitForFunction(() => document.querySelector('[data-testid="sweep-run"][data-status="training"]'), null, { timeout: 60000 });
      await page.waitForFunction(
        () => document.querySelectorAll('[data-testid="sweep-run"][data-status="done"], [data-testid="sweep-run"][data-status="diverged"]').length >= 1,
        null, { timeout: 240000 });
      const firstLoss = await page.locator('[data-testid="sweep-run"]').first().locator('td').nth(7).textContent();
      const status = await textOf(page, 'sweep-status');
      assert(/1 of 3 runs/.test(status), `progress counts the finished run: ${status}`);

      // A reload keeps the finished run and goes on by itself with the next one.
      await page.reload();
      await page.locator('[data-testid="sweep-run"]').first().waitFor();
      const kept = await page.locator('[data-testid="sweep-run"]').first().locator('td').nth(7).textContent();
      assert(kept === firstLoss, `the finished run is kept across the reload: ${firstLoss} → ${kept}`);
      await page.waitForFunction(() => document.querySelector('[data-testid="sweep-run"][data-status="training"]'), null, { timeout: 60000 });
      await page.waitForFunction(
        () => document.querySelectorAll('[data-testid="sweep-run"][data-status="queued"], [data-testid="sweep-run"][data-status="training"]').length === 0,
        null, { timeout: 400000 });
      const stored = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)), KEY);
      assert(stored.runs.length === 3, `three runs stored, none trained twice: ${stored.runs.map((r) => r.id)}`);
      assert((await textOf(page, 'sweep-status')).includes('3 of 3 runs'), 'the sweep completes');

      // The chart, its text alternative and the summary.
      const chart = page.locator('[data-testid="sweep-chart"]');
      await chart.waitFor();
      const pixels = await seriesPixels(page, 'sweep-chart');
      assert(pixels > 50, `the chart draws the runs' points and line (${pixels} pixels of the series colour)`);
      const label = await chart.getAttribute('aria-label');
      assert(/learning rate/.test(label), `the canvas says what it shows: ${label}`);
      const table = await textOf(page, 'sweep-table');
      assert((table.match(/6\.59K/g) || []).length >= 2, `the table lists the runs: ${table.slice(0, 300)}`);
      const summary = await textOf(page, 'sweep-summary');
      assert(/lr|learning/i.test(summary) && !summary.includes('NaN'), `a plain-language summary: ${summary.slice(0, 200)}`);

      // A committed reference (public/reference/lr-*.json) is named with its provenance; without one the page says so.
      const ref = await page.waitForFunction(() => {
        const t = document.querySelector('[data-testid="reference-status"]')?.textContent || '';
        return !t.startsWith('Looking') && t;
      }, null, { timeout: 30000 }).then((h) => h.jsonValue());
      assert(/^No reference results yet|^Reference: lr sweep, .* made by .* on /.test(ref), `reference status: ${ref}`);

      // Importing: a bad file is refused with a reason; the page's own record is accepted and overlaid.
      const input = page.locator('[data-testid="sweep-import"]');
      await input.setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "nope"}') });
      const bad = await textOf(page, 'import-message');
      assert(bad.includes('bad.json is not a sweep record'), `a clear message for a bad file: ${bad}`);
      const json = await page.evaluate((k) => localStorage.getItem(k), KEY);
      await input.setInputFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(json) });
      await page.waitForFunction(() => document.querySelector('[data-testid="import-message"]')?.textContent.startsWith('Imported'));
      const legend = await page.locator('.sweep-chart .legend').first().textContent();
      assert(legend.includes('reference: N'), `the import is drawn as an overlay: ${legend}`);
    },
  },
  {
    name: 'tour: six questions with their sources; the buttons open the calculator, a sweep and a training preset',
    webgpu: false,
    async run(page, url) {
      await page.goto(`${url}?view=tour`);
      await page.locator('[data-testid="tour-laws"]').waitFor();
      assert((await page.locator('.tour-question').count()) === 6, 'six questions');
      const arch = await textOf(page, 'tour-architecture');
      assert(arch.includes('Wang et al. 2022') && arch.includes('Le Scao et al. 2022'), 'architecture cites BigScience');
      const data = await textOf(page, 'tour-data');
      assert(/GPT-3 \(175B\) on 300B tokens: 1\.7 per parameter \(Hoffmann et al\. 2022, Table 1\)/.test(data), `GPT-3's ratio with its source: ${data}`);
      assert(/Chinchilla \(70\.0B\) on 1\.40T tokens: 20 per parameter/.test(data), 'Chinchilla: 20 tokens per parameter');
      assert(data.includes('LLaMA model card'), 'LLaMA with its model card');

      await page.click('[data-testid="tour-data-open-0"]');
      await page.locator('[data-testid="nav-calculator"][aria-current="page"]').waitFor();
      assert(page.url().includes('flops=5.76e23'), `the calculator opens with Gopher's budget: ${page.url()}`);

      await page.goto(`${url}?view=tour`);
      await page.click('[data-testid="tour-shape-open-0"]');
      await page.locator('[data-testid="nav-experiments"][aria-current="page"]').waitFor();
      await page.locator('[data-testid="sweep-shape"]').waitFor();
      assert(await page.locator('[data-testid="sweep-shape"]').isChecked(), 'the shape sweep is chosen');

      await page.goto(`${url}?view=tour`);
      await page.click('[data-testid="tour-architecture-open-0"]');
      await page.locator('[data-testid="nav-train"][aria-current="page"]').waitFor();
      assert((await page.locator('[data-testid="field-layers"]').inputValue()) === '2', 'the tiny training preset');
    },
  },
];
