// The Train page: a micro model trains for a few dozen steps on each backend and its loss falls, samples appear
// and the progress bar moves; a shared URL restores the settings; an invalid setting disables Train with its reason;
// no main-thread task runs longer than 100 ms while training, and at most one longer than 50 ms.
import { assert, textOf } from './harness.mjs';

/** A model small enough for SwiftShader: 1 layer, width 16, context 16, batch 4, 40 steps. */
const MICRO = 'view=train&preset=micro&ctx=16&batch=4&steps=40&warmup=4&lr=0.01&data=synthetic:tiny';

/** Counts main-thread long tasks (> 50 ms) from the moment it is installed. */
async function watchLongTasks(page) {
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__long.push(Math.round(e.duration));
    }).observe({ type: 'longtask' });
  });
}

/** Opens the Train view with `query`, presses Train and, once the run is under way, starts counting long tasks. */
async function startTraining(page, url, query) {
  await page.goto(`${url}?${query}`);
  const start = page.locator('[data-testid="train-start"]');
  await start.waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid="train-start"]').disabled, null, { timeout: 60000 });
  await start.click();
  await page.waitForSelector('[data-testid="progress-bar"]', { timeout: 120000 });
  await watchLongTasks(page);
}

/**
 * Training must not block the page: no task over 100 ms, and at most one over 50 ms. One 50-60 ms task now and
 * then comes from the browser itself on this two-core machine (2 in ~8 idle runs); a training loop that blocks
 * makes a long task every step, or one very long one, and fails either way.
 */
function assertResponsive(long) {
  assert(long.length <= 1 && long.every((ms) => ms <= 100),
    `at most one main-thread task over 50 ms, none over 100 ms, while training: ${long.join(', ')} ms`);
}

/** Trains the micro model on `backend` and checks loss, samples and progress; returns the long tasks seen. */
async function trainMicro(page, url, backend) {
  await startTraining(page, url, `${MICRO}&backend=${backend}`);
  const moving = await page.waitForFunction(
    () => Number(document.querySelector('[data-testid="progress-bar"]')?.value) > 0, null, { timeout: 120000 });
  assert(moving, 'the progress bar moves');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="progress-status"]')?.textContent === 'finished', null, { timeout: 300000 });
  const why = await textOf(page, 'backend-why');
  assert(why.toLowerCase().includes(backend === 'gpu' ? 'webgpu' : 'cpu'), `backend ${backend} used: ${why}`);
  const readout = await textOf(page, 'loss-readout');
  const m = readout.match(/training loss ([\d.]+) → ([\d.]+)/);
  assert(m, `loss readout: ${readout}`);
  const [first, last] = [Number(m[1]), Number(m[2])];
  assert(last < first - 0.3, `the loss falls on ${backend}: ${first} → ${last}`);
  const samples = await textOf(page, 'samples');
  assert(samples.includes('step 40'), `a sample at the last step: ${samples.slice(0, 200)}`);
  assert((await textOf(page, 'progress-steps')).includes('40 / 40'), 'progress reaches the end');
  return page.evaluate(() => window.__long);
}

export default [
  {
    name: 'train: a micro model trains on the CPU backend, loss falls, samples appear, the page stays responsive',
    webgpu: false,
    async run(page, url) {
      const long = await trainMicro(page, url, 'cpu');
      assertResponsive(long);
    },
  },
  {
    name: 'train: a micro model trains on WebGPU (SwiftShader, forced), loss falls',
    webgpu: true,
    async run(page, url) {
      const long = await trainMicro(page, url, 'gpu');
      assertResponsive(long);
    },
  },
  {
    name: 'train: on a software adapter the page times both backends and says which it picked',
    webgpu: true,
    async run(page, url) {
      await page.goto(`${url}?${MICRO}&steps=5`);
      await page.locator('[data-testid="train-start"]').waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-testid="train-start"]').disabled, null, { timeout: 60000 });
      await page.click('[data-testid="train-start"]');
      const why = await textOf(page, 'backend-why', 120000);
      assert(/measured .* ms per step on WebGPU, .* ms on the CPU backend/.test(why), `measured comparison: ${why}`);
    },
  },
  {
    name: 'train: a shared URL restores the settings; an invalid setting disables Train with its reason',
    webgpu: false,
    async run(page, url) {
      await page.goto(`${url}?view=train&layers=3&d_model=48&heads=4&lr=0.004&seed=7&sched=constant`);
      await page.locator('[data-testid="field-layers"]').waitFor();
      const value = (id) => page.locator(`[data-testid="field-${id}"]`).inputValue();
      assert((await value('layers')) === '3', 'layers restored');
      assert((await value('d_model')) === '48', 'd_model restored');
      assert((await value('lr')) === '0.004', 'lr restored');
      assert((await value('seed')) === '7', 'seed restored');
      assert((await value('sched')) === 'constant', 'schedule restored');
      await page.waitForFunction(() => !document.querySelector('[data-testid="train-start"]').disabled, null, { timeout: 60000 });
      // The lab's measured rate rule for this N (0.012·(N/1e5)^-0.19; N ≈ 85k here) fills the field.
      const hint = await textOf(page, 'lab-lr');
      const suggested = hint.match(/(\d\.\d\de-2)/);
      assert(suggested, `a rate in the hint: ${hint}`);
      await page.click('[data-testid="lab-lr"] button');
      assert((await value('lr')) === suggested[1], `the field takes ${suggested[1]}: ${await value('lr')}`);
      assert(Number(suggested[1]) > 0.01 && Number(suggested[1]) < 0.015, `rule at N ≈ 85k: ${suggested[1]}`);
      await page.fill('[data-testid="field-heads"]', '5');
      const err = await textOf(page, 'error-heads');
      assert(err.includes('not divisible'), `reason beside the field: ${err}`);
      assert(await page.locator('[data-testid="train-start"]').isDisabled(), 'Train is disabled');
      assert(page.url().includes('heads=5'), `the URL follows the settings: ${page.url()}`);
      await page.fill('[data-testid="field-heads"]', '4');
      await page.waitForFunction(() => !document.querySelector('[data-testid="train-start"]').disabled);
    },
  },
];
