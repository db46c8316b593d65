import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchModule, BenchModuleContext, BenchModuleResult } from '../bench-module.js';
import { ChildGroup } from '../child-processes.js';
import { markdownTable, ratio, textTable } from '../format.js';
import { headerLines, integer, kib, machineAtStart } from '../report-lines.js';
import type { HeapReport } from './protocol.js';
import { SUBJECTS } from './subjects/index.js';

/**
 * Heap one SDK client costs while holding (and serving) 1,000 flags, Switchboard's
 * Node client side by side with peers set up the same way, each SDK in its own fresh
 * process.
 */

const FLAGS = 1000;
const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'heap-worker.js');

async function measureOne(group: ChildGroup, id: string, clients: number): Promise<HeapReport> {
  const child = group.node(`heap worker (${id})`, ['--expose-gc', WORKER, id, String(clients), String(FLAGS)]);
  const report = await new Promise<HeapReport>((resolve, reject) => {
    child.process.once('message', (m) => resolve(m as HeapReport));
    void child.exited.then(({ code }) => reject(new Error(`heap worker for ${id} exited with ${code}:\n${child.output()}`)));
  });
  await child.exited;
  return report;
}

async function measure(context: BenchModuleContext): Promise<{ reports: HeapReport[]; clients: number }> {
  const clients = context.options.quick ? 5 : 20;
  const group = new ChildGroup();
  const reports: HeapReport[] = [];
  try {
    for (const id of Object.keys(SUBJECTS)) {
      const r = await measureOne(group, id, clients);
      console.log(`  ${r.label}: ${kib(r.heapPerClient)} KiB heap per client (${integer(r.checked)} answers checked; ${r.rolloutCheck})`);
      reports.push(r);
    }
  } finally {
    await group.closeAll();
  }
  return { reports, clients };
}

/** Memory outside the JS heap (buffers, native objects), which the table leaves out. */
function externalNote(reports: readonly HeapReport[]): string {
  const most = reports.reduce((m, r) => (Math.abs(r.externalPerClient) > Math.abs(m.externalPerClient) ? r : m));
  return Math.abs(most.externalPerClient) < 1024
    ? 'Memory outside the JS heap (`external`: buffers and native objects) grew by less than 1 KiB per client for every SDK, so the table shows the heap only.'
    : `Memory outside the JS heap (\`external\`) grew too, most for ${most.label}: ${kib(most.externalPerClient)} KiB per client, not included above.`;
}

/** What the `TestData`-alone row says about the LaunchDarkly row. */
function testDataNote(reports: readonly HeapReport[]): string[] {
  const client = reports.find((r) => r.id === 'launchdarkly');
  const td = reports.find((r) => r.id === 'launchdarkly-testdata');
  if (!client || !td) return [];
  const share = td.heapPerClient / client.heapPerClient;
  return [
    '',
    share > 0.5
      ? `\`TestData\` alone holds ${kib(td.heapPerClient)} of the LaunchDarkly row's ${kib(client.heapPerClient)} KiB. Client and source together are less than twice that, so the client's store refers to the flag objects \`TestData\` holds rather than copying them: the LaunchDarkly row is close to what a client holding these flags costs (a streaming client holds the parsed flags too), not a client plus a duplicate.`
      : `\`TestData\` alone holds ${kib(td.heapPerClient)} of the LaunchDarkly row's ${kib(client.heapPerClient)} KiB; a client fed by streaming instead would not carry that copy.`,
  ];
}

function render(
  run: { reports: HeapReport[]; clients: number },
  context: BenchModuleContext,
  machine: ReturnType<typeof machineAtStart>,
): BenchModuleResult {
  const ours = run.reports.find((r) => r.id === 'switchboard')!;
  const header = ['SDK', 'package', 'heap per client (KiB)', '× Switchboard', 'checked answers', 'rollout check'];
  const rows = run.reports.map((r) => {
    const bold = r.id === 'switchboard' ? (s: string) => `**${s}**` : (s: string) => s;
    const check = r.serves ? r.rolloutCheck : 'not evaluated';
    return [
      bold(r.label),
      `\`${r.source}\``,
      bold(kib(r.heapPerClient)),
      bold(ratio(r.heapPerClient / ours.heapPerClient)),
      r.serves ? integer(r.checked) : '—',
      check,
    ];
  });
  const peers = run.reports.filter((r) => r.serves && r.id !== 'switchboard');
  const smaller = peers.filter((p) => p.heapPerClient > ours.heapPerClient).map((p) => p.label);
  const larger = peers.filter((p) => p.heapPerClient <= ours.heapPerClient).map((p) => p.label);
  const standing =
    `PRODUCT.md sets no number for client memory; this section is the side-by-side comparison. Switchboard's client holds ${integer(FLAGS)} flags in ${kib(ours.heapPerClient)} KiB of heap` +
    (smaller.length > 0 ? `, less than ${smaller.join(', ')}` : '') +
    (larger.length > 0 ? `; ${larger.join(', ')} ${larger.length === 1 ? 'holds' : 'hold'} them in less` : '') +
    '.';
  const method =
    `${integer(FLAGS)} boolean flags generated once (half plain on/off, 30% percentage rollouts, 20% with one to three targeting rules — \`country in\`, \`plan in\`, \`email endsWith\` — in front of a rollout), translated into each SDK's own format. ` +
    `Each SDK runs in a fresh \`node --expose-gc\` process with NODE_ENV=production and sockets and \`fetch\` fused off: two warm-up clients are created and checked (so module state and compiled code are in the baseline), the baseline is taken after three full GCs, then ${run.clients} more clients are created, each from a fresh \`JSON.parse\` of the payload its server would send, and each is checked: every flag evaluated for 6 users and compared with what the flag means (plain flags exactly, users matching a rule must get \`true\`, an unknown flag must be \`false\`); one client also serves 25 rollout flags to 120 users, each within 20 points of its share. ` +
    `Heap per client = growth of \`heapUsed\` after three full GCs / ${run.clients}, with all clients still referenced. Checked clients have evaluated every flag once, so lazily built structures (compiled rules, caches) are counted.`;
  const markdown = [
    '## SDK heap per client (1,000 flags)',
    '',
    `Memory one server-side SDK client costs while holding ${integer(FLAGS)} flags: \`@switchboard/node\` against OpenFeature's in-memory provider, GrowthBook, Unleash, LaunchDarkly and Flagsmith, each set up offline from the same flags.`,
    '',
    ...headerLines(
      context,
      machine,
      'packages/benchmarks/src/sdk-heap',
      method,
      'Other work was competing for the machine; heap sizes do not depend on it.',
    ),
    '',
    '### Results',
    '',
    markdownTable(header, rows, ['l', 'l', 'r', 'r', 'r', 'l']),
    '',
    externalNote(run.reports),
    '',
    ...run.reports.map((r) => `- **${r.label}:** ${r.setup}.`),
    ...testDataNote(run.reports),
    '',
    '### Targets (issue 4)',
    '',
    `- ${standing}`,
  ].join('\n');
  const text = [
    textTable(
      header.slice(0, 5),
      run.reports.map((r) => [r.label, r.source, kib(r.heapPerClient), ratio(r.heapPerClient / ours.heapPerClient), integer(r.checked)]),
    ),
    '',
    standing,
  ].join('\n');
  return { markdown, text };
}

export const sdkHeapBenchmark: BenchModule = {
  id: 'sdk-heap',
  title: 'SDK heap per client (1,000 flags)',
  async run(context): Promise<BenchModuleResult> {
    const machine = machineAtStart(context);
    return render(await measure(context), context, machine);
  },
};
