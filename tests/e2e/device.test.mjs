// The page finds the WebGPU adapter, runs the matmul kernel and shows the right numbers; without
// WebGPU it explains what to do instead of showing a blank page.
import { assert, assertClose, textOf } from './harness.mjs';

/** The demo inputs of compute::kernels::matmul::demo_inputs, recomputed here independently. */
function expectedDemo(m, k, n) {
  const a = (i) => ((i % 13) - 6) / 8;
  const b = (i) => ((i % 7) - 3) / 4;
  const c = (i, j) => { let s = 0; for (let p = 0; p < k; p++) s += a(i * k + p) * b(p * n + j); return s; };
  let sum = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) sum += c(i, j);
  return { first: c(0, 0), last: c(m - 1, n - 1), sum };
}

export default [
  {
    name: 'the kernel runs on the WebGPU adapter and matches the expected product',
    webgpu: true,
    async run(page, url) {
      await page.goto(`${url}?view=device`);
      const adapter = await textOf(page, 'adapter-facts');
      assert(adapter.includes('backend'), `adapter facts shown: ${adapter}`);
      const want = expectedDemo(256, 256, 256);
      assertClose(Number(await textOf(page, 'kernel-first')), want.first, 1e-5, 'C[0,0]');
      assertClose(Number(await textOf(page, 'kernel-last')), want.last, 1e-5, 'C[last]');
      assertClose(Number(await textOf(page, 'kernel-checksum')), want.sum, 1e-4, 'sum of C');
      assert(Number(await textOf(page, 'kernel-diff')) < 1e-4, 'GPU and CPU agree in the tab');
      // Every tile variant of the training matmul, whole and split-K, on an awkward shape (67x300 by 300x45).
      const summary = await textOf(page, 'variants-summary', 120000);
      assert(summary === 'all 6 variants agree with the CPU', `matmul variants in the tab: ${summary}`);
      const variants = await textOf(page, 'variants-result');
      for (const tile of ['128x128', '64x64', '32x32']) {
        for (const parts of ['1 part:', '3 parts:']) {
          assert(variants.includes(`matmul ${tile}, ${parts}`), `matmul ${tile}, ${parts} ran: ${variants}`);
        }
      }
    },
  },
  {
    name: 'one forward + backward of a tiny GPT on WebGPU matches the CPU reference in the tab',
    webgpu: true,
    async run(page, url) {
      await page.goto(`${url}?view=device`);
      const gpuLoss = Number(await textOf(page, 'check-gpu-loss', 120000));
      const cpuLoss = Number(await textOf(page, 'check-cpu-loss'));
      // A freshly initialised model over 13 tokens predicts near-uniformly: loss close to ln 13.
      assert(Math.abs(cpuLoss - Math.log(13)) < 0.1, `CPU loss ${cpuLoss} is near ln 13`);
      assert(Math.abs(gpuLoss - cpuLoss) < 1e-5, `GPU loss ${gpuLoss} vs CPU ${cpuLoss}`);
      assert(Number(await textOf(page, 'check-logit-error')) < 1e-4, 'logits agree');
      assert(Number(await textOf(page, 'check-grad-error')) < 1e-4, 'every gradient agrees');
    },
  },
  {
    name: 'without WebGPU the page explains what to do',
    webgpu: false,
    async run(page, url) {
      await page.goto(`${url}?view=device`);
      const help = await textOf(page, 'no-webgpu');
      assert(help.includes('No WebGPU'), `message shown: ${help}`);
      assert(help.includes('chrome://flags'), 'it names the flag to switch on');
    },
  },
];
