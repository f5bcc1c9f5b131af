// Views and the URL: each view keeps its own parameters (Train's `tokens` budget must not become the Calculator's
// data size), and each view is a history entry, so Back and Forward move between views.
import { assert } from './harness.mjs';

const TRAIN = 'view=train&preset=tiny&budget=tokens&tokens=1000000';

export default [
  {
    name: 'the Calculator opened from Train shows its own defaults; Back and Forward move between the views',
    async run(page, url) {
      await page.goto(`${url}?${TRAIN}`);
      await page.locator('[data-testid="field-tokens"]').waitFor();
      await page.click('[data-testid="nav-calculator"]');
      await page.locator('[data-testid="mode-flops"]').waitFor();
      assert(await page.isChecked('[data-testid="mode-flops"]'), 'the Calculator opens in its default mode (a budget in FLOPs)');
      assert(!(await page.isChecked('[data-testid="mode-tokens"]')), 'Train\'s token budget did not switch it to "data size"');
      const calcQuery = new URL(page.url()).searchParams;
      assert(calcQuery.get('view') === 'calculator' && !calcQuery.has('tokens') && !calcQuery.has('preset'),
        `the Calculator's URL holds none of Train's settings: ${page.url()}`);

      await page.goBack();
      await page.waitForFunction(() => document.querySelector('[data-testid="nav-train"]')?.getAttribute('aria-current') === 'page');
      const tokens = page.locator('[data-testid="field-tokens"]');
      await tokens.waitFor();
      assert((await tokens.inputValue()).replace(/[ ,_]/g, '') === '1000000', `Back restores Train with its settings: ${await tokens.inputValue()}`);
      assert(new URL(page.url()).searchParams.get('tokens') === '1000000', `Train's URL is back: ${page.url()}`);

      await page.goForward();
      await page.waitForFunction(() => document.querySelector('[data-testid="nav-calculator"]')?.getAttribute('aria-current') === 'page');
      await page.click('[data-testid="nav-train"]');
      await tokens.waitFor();
      assert((await tokens.inputValue()).replace(/[ ,_]/g, '') === '1000000', 'Train gets its settings back when reopened from the tabs');
    },
  },
];
