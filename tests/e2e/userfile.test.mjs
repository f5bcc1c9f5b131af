// The visitor's own text: a picked file is read in chunks, becomes the run's data and a micro model trains on
// it; empty and binary files are refused with a message; invalid UTF-8 falls back to bytes and says so.
import { assert, textOf } from './harness.mjs';

const MICRO = 'view=train&preset=micro&ctx=16&batch=4&steps=30&warmup=3&lr=0.01&tok=char&backend=cpu';

async function pick(page, name, buffer) {
  await page.locator('[data-testid="field-file"]').setInputFiles({ name, mimeType: 'text/plain', buffer });
}

const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(400) + 'Pack my box with five dozen liquor jugs. '.repeat(400);

export default [
  {
    name: 'userfile: a picked text file becomes the data and a micro model trains on it',
    webgpu: false,
    async run(page, url) {
      await page.goto(`${url}?${MICRO}`);
      await pick(page, 'pangrams.txt', Buffer.from(prose));
      const status = await textOf(page, 'file-status');
      await page.waitForFunction(() => document.querySelector('[data-testid="file-status"]')?.textContent.startsWith('training on'));
      assert((await textOf(page, 'file-status')).includes('pangrams.txt'), `status: ${status}`);
      const start = page.locator('[data-testid="train-start"]');
      await page.waitForFunction(() => !document.querySelector('[data-testid="train-start"]').disabled, null, { timeout: 60000 });
      await start.click();
      await page.waitForFunction(
        () => document.querySelector('[data-testid="progress-status"]')?.textContent === 'finished', null, { timeout: 120000 });
      const m = (await textOf(page, 'loss-readout')).match(/training loss ([\d.]+) → ([\d.]+)/);
      assert(m && Number(m[2]) < Number(m[1]) - 0.3, `the loss falls on the file's text: ${m}`);
    },
  },
  {
    name: 'userfile: empty and binary files are refused with a message; invalid UTF-8 falls back to bytes',
    webgpu: false,
    async run(page, url) {
      await page.goto(`${url}?${MICRO}`);
      await pick(page, 'empty.txt', Buffer.alloc(0));
      assert((await textOf(page, 'file-error')).includes('empty'), 'empty file refused');
      await pick(page, 'image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0, 1, 2, 3, 0, 0, 0, 0]));
      await page.waitForFunction(() => document.querySelector('[data-testid="file-error"]')?.textContent.includes('binary'));
      const latin1 = Buffer.concat([Buffer.from(prose.slice(0, 2000)), Buffer.from([0xe9, 0x20, 0x63, 0x61, 0x66, 0xe9])]);
      await pick(page, 'latin1.txt', latin1);
      await page.waitForFunction(() => document.querySelector('[data-testid="file-status"]')?.textContent.startsWith('training on'));
      const status = await textOf(page, 'file-status');
      assert(/UTF-8/i.test(status) && /byte/i.test(status), `the fallback is explained: ${status}`);
    },
  },
];
