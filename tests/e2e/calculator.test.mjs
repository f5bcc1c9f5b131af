// The Calculator view: a budget typed in gives each fit's compute-optimal split, checked against the closed form
// recomputed here from the published constants; the charts are drawn; a URL restores the inputs and the answer;
// invalid input gets a message beside its field and the page never shows NaN.
import { assert, assertClose, textOf } from './harness.mjs';

/** Chinchilla-style fits, L(N,D) = E + A/N^α + B/D^β, as published (not read from the app). */
const FITS = {
  // Besiroglu et al. 2024 (Epoch AI), refit of Approach 3.
  epoch: { A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658 },
  // Hoffmann et al. 2022, Approach 3, unrounded: ln A = 6.0073404, ln B = 6.0179186.
  hoffmann: { A: Math.exp(6.0073404), B: Math.exp(6.0179186), alpha: 0.33917084, beta: 0.2849083 },
};

/** Closed form under C = 6ND: N = G·(C/6)^(β/(α+β)), D = G⁻¹·(C/6)^(α/(α+β)), G = (αA/(βB))^(1/(α+β)). */
function optimal({ A, B, alpha, beta }, flops) {
  const s = alpha + beta;
  const G = ((alpha * A) / (beta * B)) ** (1 / s);
  return { n: G * (flops / 6) ** (beta / s), d: (flops / 6) ** (alpha / s) / G };
}

/** The budget for which N parameters are compute-optimal, and its D. */
function optimalForParams(fit, n) {
  const s = fit.alpha + fit.beta;
  const G = ((fit.alpha * fit.A) / (fit.beta * fit.B)) ** (1 / s);
  const flops = 6 * (n / G) ** (s / fit.beta);
  return { flops, ...optimal(fit, flops) };
}

/** Exact value behind a result cell (its data-value attribute). */
async function valueOf(page, testid) {
  const cell = page.locator(`[data-testid="${testid}"]`).first();
  await cell.waitFor({ timeout: 60000 });
  return Number(await cell.getAttribute('data-value'));
}

async function assertNoNaN(page) {
  const text = await page.evaluate(() => document.body.innerText);
  assert(!/NaN|Infinity|\binf\b/i.test(text), `the page shows no NaN or infinity: ${text.match(/.{0,40}(NaN|Infinity|\binf\b).{0,40}/i)?.[0]}`);
}

/** Pixels of a canvas that are not white, and those close to a given colour. */
async function pixels(page, testid, rgb) {
  return page.evaluate(([id, [r, g, b]]) => {
    const c = document.querySelector(`[data-testid="${id}"]`);
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    let colour = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] < 245 || data[i + 1] < 245 || data[i + 2] < 245) ink++;
      if (Math.abs(data[i] - r) < 30 && Math.abs(data[i + 1] - g) < 30 && Math.abs(data[i + 2] - b) < 30) colour++;
    }
    return { ink, colour, width: c.width, height: c.height };
  }, [testid, rgb]);
}

export default [
  {
    name: 'calculator: a budget gives each fit its split, with citations and both charts drawn',
    webgpu: false,
    async run(page, url) {
      await page.goto(`${url}?view=calculator`);
      const input = page.locator('[data-testid="input-flops"]');
      await input.fill('5.76e23');
      for (const [id, fit] of Object.entries(FITS)) {
        const want = optimal(fit, 5.76e23);
        await page.waitForFunction(
          ([tid, n]) => Math.abs(Number(document.querySelector(`[data-testid="${tid}"]`)?.dataset.value) / n - 1) < 1e-6,
          [`n-opt-${id}`, want.n], { timeout: 20000 },
        ).catch(() => {});
        assertClose(await valueOf(page, `n-opt-${id}`), want.n, 1e-9, `${id} N_opt`);
        assertClose(await valueOf(page, `d-opt-${id}`), want.d, 1e-9, `${id} D_opt`);
      }
      // The shown text agrees with the exact value: Epoch puts 5.76e23 FLOPs at about 34B parameters.
      const epochN = await textOf(page, 'n-opt-epoch');
      assert(/^\d+(\.\d+)?B$/.test(epochN), `N shown in billions: ${epochN}`);
      assertClose(parseFloat(epochN) * 1e9, optimal(FITS.epoch, 5.76e23).n, 5e-3, 'shown Epoch N');
      // Citations beside the numbers.
      assert((await textOf(page, 'cite-epoch')).includes('Besiroglu et al. 2024'), 'Epoch cited');
      assert((await textOf(page, 'cite-hoffmann')).includes('Hoffmann et al. 2022'), 'Hoffmann cited');
      assert((await textOf(page, 'cite-kaplan')).includes('Kaplan et al. 2020'), 'Kaplan cited');
      const table = await textOf(page, 'results');
      assert(table.includes('Eq. D.1') && table.includes('natural log'), 'the LR rule names its equation and log base');
      assert(table.includes('Eq. 1.4'), 'the critical batch names its equation');
      assert((await textOf(page, 'gpu-peak')).includes('NVIDIA H100 datasheet'), 'the GPU peak is cited');
      // The inputs went to the URL.
      assert(page.url().includes('flops=5.76e23'), `URL holds the budget: ${page.url()}`);
      // Both charts are drawn: ink on the canvas, and the fits' colours on it.
      const alloc = await pixels(page, 'allocation-plot', [213, 94, 0]);
      assert(alloc.width > 200 && alloc.ink > 5000 && alloc.colour > 100, `allocation chart drawn: ${JSON.stringify(alloc)}`);
      const loss = await pixels(page, 'loss-plot', [0, 114, 178]);
      assert(loss.width > 200 && loss.ink > 3000 && loss.colour > 100, `loss chart drawn: ${JSON.stringify(loss)}`);
      const label = await page.locator('[data-testid="allocation-plot"]').getAttribute('aria-label');
      assert(label.includes('compute-optimal'), `the chart has a text summary: ${label}`);
      // Hovering a known model names it.
      await page.locator('[data-testid="allocation-plot"]').scrollIntoViewIfNeeded();
      const box = await page.locator('[data-testid="allocation-plot"]').boundingBox();
      let tip = null;
      for (let y = 8; y < box.height && !tip; y += 22) {
        for (let x = 8; x < box.width && !tip; x += 22) {
          await page.mouse.move(box.x + x, box.y + y);
          if (await page.locator('[data-testid="plot-tooltip"]').count()) tip = await textOf(page, 'plot-tooltip');
        }
      }
      assert(tip && tip.includes('tokens per parameter') && /N = .*parameters/.test(tip), `tooltip on a model: ${tip}`);
      const known = await textOf(page, 'known-models');
      assert(known.includes('Chinchilla') && known.includes('20'), 'known models listed with tokens per parameter');
      await assertNoNaN(page);
    },
  },
  {
    name: 'calculator: a URL with inputs restores them and their answer',
    webgpu: false,
    async run(page, url) {
      await page.goto(`${url}?view=calculator&gpu=a100&hours=100000&mfu=0.35&gpus=64`);
      assert(await page.locator('[data-testid="mode-hours"]').isChecked(), 'GPU-hours mode chosen');
      assert((await page.locator('[data-testid="input-hours"]').inputValue()) === '100000', 'hours restored');
      assert((await page.locator('[data-testid="input-mfu"]').inputValue()) === '35', 'MFU restored, in percent');
      assert((await page.locator('[data-testid="input-gpus"]').inputValue()) === '64', 'GPU count restored');
      assert((await page.locator('[data-testid="input-gpu"]').inputValue()) === 'a100', 'GPU restored');
      // C = hours · 3600 · 312e12 (A100 dense BF16, NVIDIA datasheet) · MFU.
      const flops = 100000 * 3600 * 312e12 * 0.35;
      assertClose(await valueOf(page, 'flops-epoch'), flops, 1e-9, 'budget from GPU-hours');
      assertClose(await valueOf(page, 'n-opt-epoch'), optimal(FITS.epoch, flops).n, 1e-9, 'Epoch N_opt');
      assertClose(await valueOf(page, 'wall-epoch'), 100000 / 64, 1e-9, 'wall-clock hours');

      await page.goto(`${url}?view=calculator&params=7e9`);
      assert(await page.locator('[data-testid="mode-params"]').isChecked(), 'model-size mode chosen');
      assert((await page.locator('[data-testid="input-params"]').inputValue()) === '7e9', 'params restored');
      const want = optimalForParams(FITS.hoffmann, 7e9);
      assertClose(await valueOf(page, 'n-opt-hoffmann'), 7e9, 1e-9, 'N is the given size');
      assertClose(await valueOf(page, 'd-opt-hoffmann'), want.d, 1e-9, 'Hoffmann D for 7B');
      assertClose(await valueOf(page, 'flops-hoffmann'), want.flops, 1e-9, 'Hoffmann budget for 7B');
      await assertNoNaN(page);

      // On a phone the page does not scroll sideways (wide tables scroll inside their own box).
      await page.setViewportSize({ width: 375, height: 800 });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(overflow <= 375, `no sideways scroll at 375px: ${overflow}`);
    },
  },
  {
    name: 'calculator: invalid input gets a message beside the field and never NaN',
    webgpu: false,
    async run(page, url) {
      await page.goto(`${url}?view=calculator`);
      const input = page.locator('[data-testid="input-flops"]');
      for (const [text, message] of [
        ['-5', 'greater than zero'],
        ['0', 'greater than zero'],
        ['abc', 'not a number'],
        ['1e999', 'Too large'],
        ['1e45', 'absurdly large'],
        ['NaN', 'not a number'],
      ]) {
        await input.fill(text);
        const shown = await textOf(page, 'error-flops');
        assert(shown.includes(message), `"${text}": message "${shown}" should say "${message}"`);
        assert((await input.getAttribute('aria-invalid')) === 'true', `"${text}" marks the field invalid`);
        await textOf(page, 'results-waiting');
        await assertNoNaN(page);
      }
      await input.fill('1e21');
      assert((await textOf(page, 'error-flops')) === '', 'a valid budget clears the message');
      await page.locator('[data-testid="input-mfu"]').fill('150');
      assert((await textOf(page, 'error-mfu')).includes('100%'), 'MFU above 100% is refused');
      // Extreme but valid inputs answer without NaN (cells without a value say why instead).
      await page.locator('[data-testid="input-mfu"]').fill('40');
      for (const text of ['1e40', '1e-20', '1']) {
        await input.fill(text);
        await textOf(page, 'calc-summary');
        await assertNoNaN(page);
      }
    },
  },
];
