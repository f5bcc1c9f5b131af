// Runs kept in IndexedDB: a run cut off by a reload is listed (interrupted) with its curve, and Resume continues that
// same run from its stored checkpoint; export then import gives the same record, a name given by hand included;
// malformed, hostile and oversized imports are refused with a message and leave the stored runs as they were; the
// attention heat map draws for a prompt. Every run is the micro model on the CPU backend.
import fs from 'node:fs';
import { assert, textOf } from './harness.mjs';

const MICRO = 'view=train&preset=micro&ctx=16&batch=4&warmup=4&lr=0.01&data=synthetic:tiny&backend=cpu';
/** Steps of a run to cut off: long enough that it is still training seconds later (micro trains ~1000 steps/s
 * here); checkpoints every 300. */
const LONG_STEPS = 20000;

/** Opens the Train page for `steps` steps and presses Train once it is enabled. */
async function startRun(page, url, steps) {
  await page.goto(`${url}?${MICRO}&steps=${steps}`);
  await page.locator('[data-testid="train-start"]').waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid="train-start"]').disabled, null, { timeout: 60000 });
  await page.click('[data-testid="train-start"]');
}

/** Trains 40 steps to the end and waits until the table lists the run as finished. */
async function trainFinished(page, url) {
  await startRun(page, url, 40);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="progress-status"]')?.textContent === 'finished', null, { timeout: 300000 });
  await page.waitForSelector('[data-testid="run-row"][data-status="finished"]', { timeout: 30000 });
}

const rows = (page) => page.locator('[data-testid="run-row"]');

/** Clicks a download button and returns the file's text. */
async function download(page, button) {
  const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return fs.readFileSync(await file.path(), 'utf8');
}

/** Picks a file in the import box and returns the message shown ({state, text}). */
async function importFile(page, name, buffer) {
  const msg = page.locator('[data-testid="runs-message"]');
  const before = (await msg.count()) ? await msg.textContent() : null;
  await page.setInputFiles('[data-testid="runs-import"]', { name, mimeType: 'application/json', buffer });
  // Each message names its file, so a new one differs from the last.
  await page.waitForFunction((old) => {
    const el = document.querySelector('[data-testid="runs-message"]');
    return el && el.textContent !== old;
  }, before, { timeout: 30000 });
  return { state: await msg.getAttribute('data-state'), text: (await msg.textContent()).trim() };
}

export default [
  {
    name: 'runs: a reload mid-run lists the run as interrupted, with its curve',
    webgpu: false,
    async run(page, url) {
      await startRun(page, url, LONG_STEPS);
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="progress-bar"]')?.value) >= 20, null, { timeout: 120000 });
      // The saver writes every two seconds; wait past one write with points in it.
      await page.waitForTimeout(2600);
      const before = Number(await page.locator('[data-testid="progress-bar"]').getAttribute('value'));
      await page.reload();
      const row = rows(page).first();
      await row.waitFor({ timeout: 60000 });
      assert((await rows(page).count()) === 1, 'one run listed');
      const status = await row.getAttribute('data-status');
      assert(status === 'interrupted', `cut-off run shown as interrupted: ${status}`);
      const steps = await row.locator('td.num').nth(1).textContent();
      const done = Number(steps.split('/')[0]);
      // The bar is redrawn every 250 ms and a save can land just before the reload: allow a second of steps.
      assert(done > 0 && done <= before + 1000, `steps kept: ${steps} (page was at ${before})`);
      await row.locator('[data-testid="run-select"]').check();
      const chart = page.locator('[data-testid="runs-chart"]');
      await chart.waitFor({ timeout: 30000 });
      await page.waitForFunction(() => /latest [\d.]+ at \d+/.test(
        document.querySelector('[data-testid="runs-chart"]')?.getAttribute('aria-label') || ''), null, { timeout: 30000 });
      assert(await row.locator('[data-testid="run-resume"]').count() === 1, 'an interrupted run offers Resume');
    },
  },
  {
    name: 'runs: Resume continues an interrupted run from its checkpoint (same id, step counter and curve); Stop keeps its last step',
    webgpu: false,
    async run(page, url) {
      await startRun(page, url, LONG_STEPS);
      // A checkpoint with its trainer state is stored at each sample point (every 300 steps here, written at most every
      // two seconds); pause once one is, so the reload cuts the run off well before its end.
      await page.waitForSelector('[data-testid="run-row"][data-resume-step]', { timeout: 180000 });
      await page.click('[data-testid="train-pause"]');
      const id = await rows(page).first().getAttribute('data-id');
      await page.reload();
      const row = rows(page).first();
      await page.waitForSelector('[data-testid="run-row"][data-resume-step]', { timeout: 60000 });
      assert((await row.getAttribute('data-status')) === 'interrupted', 'the cut-off run shows as interrupted');
      const stored = Number(await row.getAttribute('data-resume-step'));
      assert(stored >= 300 && stored < LONG_STEPS, `a checkpoint past step 300 is stored: ${stored}`);
      const title = await row.locator('[data-testid="run-resume"]').getAttribute('title');
      assert(title.includes(`checkpoint at step ${stored}`), `the button says where it continues: ${title}`);
      await row.locator('[data-testid="run-resume"]').click();
      const msg = await textOf(page, 'runs-message');
      assert(msg.includes(`from its checkpoint at step ${stored}`), `resume message: ${msg}`);
      // The progress bar reappears at the checkpoint's step, not at 0, with an ETA.
      const first = await textOf(page, 'progress-steps');
      const step = Number(/step (\d+) \//.exec(first)[1]);
      assert(step >= stored && step < LONG_STEPS, `the step counter continues from ${stored}: ${first}`);
      await page.waitForSelector(`[data-testid="run-row"][data-id="${id}"][data-status="running"]`, { timeout: 30000 });
      await page.waitForFunction(() => /left/.test(document.querySelector('[data-testid="progress-eta"]')?.textContent),
        null, { timeout: 60000 });
      // Train on a little, then stop: a stopped run keeps the state of its last step, to resume exactly there.
      await page.waitForFunction((past) => Number(/step (\d+)/.exec(
        document.querySelector('[data-testid="progress-steps"]')?.textContent)?.[1]) > past, stored + 300, { timeout: 60000 });
      await page.click('[data-testid="train-stop"]');
      await page.waitForSelector(`[data-testid="run-row"][data-id="${id}"][data-status="stopped"]`, { timeout: 30000 });
      assert((await rows(page).count()) === 1, 'still one run: the same one went on');
      const record = JSON.parse(await download(page, rows(page).first().locator('[data-testid="run-export"]')));
      await page.waitForSelector(`[data-testid="run-row"][data-resume-step="${record.steps}"]`, { timeout: 30000 });
      const steps = record.train_series.map((p) => p.step);
      // (the last reading may be up to log_every steps before the stop)
      assert(steps[0] <= 5 && steps.at(-1) > stored + 300 && steps.at(-1) > record.steps - 5,
        `the curve keeps its start and goes past the checkpoint at ${stored}: ${steps[0]}…${steps.at(-1)} of ${record.steps}`);
      assert(steps.every((s, i) => i === 0 || s > steps[i - 1]), 'each step once, in order (steps after the checkpoint were redone, not repeated)');
      assert(record.notes.some((n) => n.includes(`resumed at step ${stored}`)), `the record says it resumed: ${record.notes}`);
      // Resuming the stopped run starts exactly at its last step: nothing is trained twice.
      await rows(page).first().locator('[data-testid="run-resume"]').click();
      await page.waitForFunction((want) => document.querySelector('[data-testid="runs-message"]')?.textContent === want,
        `Resuming “${record.name ?? await rows(page).first().locator('[data-testid="run-name"]').textContent()}” from its checkpoint at step ${record.steps}…`,
        { timeout: 30000 });
      await page.waitForSelector(`[data-testid="run-row"][data-id="${id}"][data-status="running"]`, { timeout: 30000 });
      await page.click('[data-testid="train-stop"]');
      await page.waitForSelector(`[data-testid="run-row"][data-id="${id}"][data-status="stopped"]`, { timeout: 30000 });
    },
  },
  {
    name: 'runs: export then import reproduces the record; rename, filter and delete work',
    webgpu: false,
    async run(page, url) {
      await trainFinished(page, url);
      const original = rows(page).first();
      const id = await original.getAttribute('data-id');
      const exported = await download(page, original.locator('[data-testid="run-export"]'));
      const record = JSON.parse(exported);
      assert(record.format === 'scaling-lab-run/1' && record.status.state === 'finished', 'the export is a run record');
      assert(record.train_series.length > 0 && record.samples.length > 0, 'with its curve and samples');
      const msg = await importFile(page, 'again.json', Buffer.from(exported));
      assert(msg.state === 'ok' && msg.text.includes('Imported 1 run'), `import accepted: ${msg.text}`);
      assert((await rows(page).count()) === 2, 'two runs listed');
      const imported = page.locator(`[data-testid="run-row"]:not([data-id="${id}"])`);
      assert((await imported.locator('[data-testid="run-name"]').textContent()) === 'again', 'named after the file');
      const again = await download(page, imported.locator('[data-testid="run-export"]'));
      assert(again === exported, 'the imported run exports byte for byte the same JSON');
      // Rename in place, filter by the new name, then delete with confirmation; all kept across a reload.
      await imported.locator('[data-testid="run-rename"]').click();
      await page.fill('[data-testid="run-rename-input"]', 'copy of micro');
      await page.press('[data-testid="run-rename-input"]', 'Enter');
      await page.fill('[data-testid="runs-filter"]', 'copy of');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 1);
      await page.fill('[data-testid="runs-filter"]', '');
      await page.reload();
      await rows(page).first().waitFor({ timeout: 60000 });
      assert((await textOf(page, 'runs-table')).includes('copy of micro'), 'the new name is stored');
      const copy = page.locator(`[data-testid="run-row"]:not([data-id="${id}"])`);
      // The name travels with the record: its export carries it, and importing that file keeps it.
      const renamed = await download(page, copy.locator('[data-testid="run-export"]'));
      assert(JSON.parse(renamed).name === 'copy of micro', 'the exported record carries its name');
      const back = await importFile(page, 'some-file.json', Buffer.from(renamed));
      assert(back.state === 'ok', `renamed run imported: ${back.text}`);
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="run-name"]')]
        .filter((n) => n.textContent === 'copy of micro').length === 2, null, { timeout: 30000 });
      await copy.first().locator('[data-testid="run-delete"]').click();
      await copy.first().locator('[data-testid="run-delete-confirm"]').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 2);
      const csv = await download(page, page.locator('[data-testid="runs-export-csv"]'));
      assert(csv.startsWith('run,name,series,step') && csv.includes(`${id},`), 'curves as CSV');
    },
  },
  {
    name: 'runs: malformed, hostile and oversized imports are refused and change nothing',
    webgpu: false,
    async run(page, url) {
      await trainFinished(page, url);
      const exported = await download(page, rows(page).first().locator('[data-testid="run-export"]'));
      const good = JSON.parse(exported);
      const hostile = (patch) => Buffer.from(JSON.stringify({ ...good, ...patch }));
      const cases = [
        ['malformed.json', Buffer.from('{"format": "scaling-lab-run/1", ')],
        ['not-a-run.json', Buffer.from('[1, 2, 3]')],
        ['huge.json', Buffer.from(exported.replace(/"seconds": [\d.e+-]+/, '"seconds": 1e999'))],
        ['nan-string.json', hostile({ final_train_loss: 'NaN' })],
        ['wrong-type.json', hostile({ steps: 'forty' })],
        ['bad-status.json', hostile({ status: { state: 'pwned' } })],
        ['absurd-steps.json', hostile({ steps: 1e15, total_steps: 1e15 })],
        ['mixed.json', Buffer.from(JSON.stringify([good, { ...good, model: { ...good.model, n_head: 3 } }]))],
        ['oversized.json', Buffer.alloc(21 * 1024 * 1024, 32)],
      ];
      for (const [name, buffer] of cases) {
        const msg = await importFile(page, name, buffer);
        assert(msg.state === 'error' && msg.text.includes(name) && msg.text.includes('Nothing was imported'),
          `${name} refused with a message: ${msg.text}`);
        assert((await rows(page).count()) === 1, `${name}: still one run listed`);
      }
      await page.reload();
      await rows(page).first().waitFor({ timeout: 60000 });
      assert((await rows(page).count()) === 1, 'still one run stored after a reload');
      const after = await download(page, rows(page).first().locator('[data-testid="run-export"]'));
      assert(after === exported, 'the stored run is unchanged');
    },
  },
  {
    name: 'runs: the attention heat map draws each head for a prompt; the checkpoint downloads',
    webgpu: false,
    async run(page, url) {
      await trainFinished(page, url);
      const sample = await textOf(page, 'samples');
      const prompt = sample.replace(/^step \d+/, '').trim().slice(0, 12);
      await page.fill('[data-testid="attention-prompt"]', prompt);
      await page.click('[data-testid="attention-go"]');
      const map = page.locator('[data-testid="attention-map"]');
      await map.waitFor({ timeout: 30000 });
      const label = await map.getAttribute('aria-label');
      assert(/layer 0 over \d+ tokens, 2 heads/.test(label), `heat map label: ${label}`);
      const inked = await page.evaluate(() => {
        const c = document.querySelector('[data-testid="attention-map"]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 200) n++;
        return n;
      });
      assert(inked > 500, `the heat map has shaded cells: ${inked} dark pixels`);
      const files = [];
      page.on('download', (d) => files.push(d.suggestedFilename()));
      await rows(page).first().locator('[data-testid="run-checkpoint"]').click();
      for (let i = 0; i < 100 && files.length < 2; i++) await page.waitForTimeout(100);
      const names = files;
      assert(names.some((n) => n.endsWith('.safetensors')) && names.some((n) => n.endsWith('.json')), `files: ${names}`);
    },
  },
];
