// Embedding: an embed URL shows only its widget (no header, navigation or footer), works inside an
// iframe on another page, the "Share or embed" panel produces a working snippet, and a class link shows its note.
import { assert, textOf } from './harness.mjs';

/** The views that can be embedded, with text each one shows once rendered without WebGPU. */
const WIDGETS = [
  { view: 'calculator', expect: 'Calculator' },
  { view: 'device', expect: 'No WebGPU' },
  { view: 'train', expect: 'Train a language model' },
  { view: 'experiments', expect: 'Experiments: reproduce the scaling findings' },
  { view: 'tour', expect: 'Six questions' },
];

async function assertOnlyWidget(frame, widget) {
  await frame.locator('[data-testid="embedded"]').waitFor({ timeout: 30000 });
  assert((await frame.locator('header.top').count()) === 0, `${widget.view}: the page header is hidden`);
  assert((await frame.locator('nav').count()) === 0, `${widget.view}: the navigation is hidden`);
  assert((await frame.locator('[data-testid="share-embed"]').count()) === 0, `${widget.view}: no share panel`);
  await frame.getByText(widget.expect).first().waitFor({ timeout: 30000 });
  const link = frame.getByText('Open in Scaling Lab');
  assert((await link.count()) === 1, `${widget.view}: a link back to the full lab`);
}

export default [
  {
    name: 'each embed URL shows only its widget',
    webgpu: false,
    async run(page, url) {
      for (const widget of WIDGETS) {
        await page.goto(`${url}?embed=${widget.view}${widget.view === 'train' ? '&preset=micro' : ''}`);
        await assertOnlyWidget(page, widget);
      }
    },
  },
  {
    name: 'embedded widgets work inside an iframe on another page',
    webgpu: false,
    async run(page, url) {
      const frames = WIDGETS.map((w) => `<iframe id="${w.view}" src="${url}?embed=${w.view}" width="900" height="700"></iframe>`);
      await page.goto(`${url}?view=device`);
      await page.setContent(`<!doctype html><h1>A blog post</h1>${frames.join('')}`);
      for (const widget of WIDGETS) {
        await assertOnlyWidget(page.frameLocator(`#${widget.view}`), widget);
      }
    },
  },
  {
    name: 'the share panel writes an embed snippet that works, and a class link shows its note',
    webgpu: false,
    async run(page, url) {
      await page.goto(`${url}?view=calculator`);
      await page.locator('[data-testid="share-embed"] summary').click();
      const snippet = await page.locator('[data-testid="embed-code"]').inputValue();
      assert(snippet.startsWith('<iframe') && snippet.includes('embed=calculator'), `snippet: ${snippet}`);
      const src = snippet.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
      await page.goto(src);
      await assertOnlyWidget(page, WIDGETS[0]);

      await page.goto(`${url}?view=calculator`);
      await page.locator('[data-testid="share-embed"] summary').click();
      await page.locator('#teacher-note-input').fill('Compare GPT-3 with Chinchilla');
      const link = await page.locator('[data-testid="teacher-link"]').inputValue();
      assert(link.includes('lock=all'), `class link locks the settings: ${link}`);
      await page.goto(link);
      const note = await textOf(page, 'teacher-note');
      assert(note.includes('Compare GPT-3 with Chinchilla'), `note shown: ${note}`);
    },
  },
];
