// The built page as a static site: it works under a sub-path and, after one visit, offline.
import { assert, textOf } from './harness.mjs';

export default [
  {
    name: 'the page works from a sub-path of a static host',
    webgpu: false,
    prefix: '/some/sub/path/',
    async run(page, url) {
      assert(url.endsWith('/some/sub/path/'), `served under the sub-path: ${url}`);
      await page.goto(`${url}?view=device`);
      const help = await textOf(page, 'no-webgpu');
      assert(help.includes('No WebGPU'), 'the app loaded and rendered under the sub-path');
    },
  },
  {
    name: 'the service worker serves the app offline on a second load',
    webgpu: false,
    async run(page, url, { context }) {
      await page.goto(`${url}?view=device`);
      await textOf(page, 'no-webgpu');
      await page.evaluate(() => navigator.serviceWorker.ready);
      // The first load happened before the worker controlled the page: load once more to fill the cache.
      await page.reload();
      await textOf(page, 'no-webgpu');
      await context.setOffline(true);
      await page.reload();
      const help = await textOf(page, 'no-webgpu', 20000);
      assert(help.includes('No WebGPU'), 'the app rendered with the network off');
      await context.setOffline(false);
    },
  },
];
