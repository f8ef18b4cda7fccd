// npm run eval:diagnosis [-- dev|dev+|heldout|fresh|fresh2|fresh3|synthetic-check|all] [--wrong]: the diagnosis
// scored on the labelled corpus.
// dev+ adds 480 synthetic curves drawn on the fly from a development-only seed (more to tune on, no file);
// synthetic-check draws 320 synthetic curves from a seed first used for the final check (docs/diagnosis.md).
import { evaluate, loadCorpus, reportText, sourcesOf } from './evaluation.js';
import { syntheticCorpus } from './synthetic.js';

const PARTS = ['dev', 'dev+', 'heldout', 'fresh', 'fresh2', 'fresh3', 'synthetic-check', 'all'];
const which = process.argv.find((a) => PARTS.includes(a)) ?? 'heldout';
const corpus = loadCorpus();
const curves = [
  ...corpus.curves.filter((c) => which === 'all' || c.part === which || (which === 'dev+' && c.part === 'dev')),
  ...(which === 'dev+' ? syntheticCorpus(55550000, 60) : []),
  ...(which === 'synthetic-check' ? syntheticCorpus(77770000, 40) : []),
];
const bySource = sourcesOf(curves);
const r = evaluate(curves);
process.stdout.write(`${reportText(r, `${which} part (${JSON.stringify(bySource)})`)}\n`);
for (const src of Object.keys(bySource)) {
  const s = evaluate(curves.filter((c) => c.source === src));
  process.stdout.write(`\n${src}: ${s.n} curves, accuracy ${(100 * s.accuracy).toFixed(1)}%`);
}
process.stdout.write('\n');
if (process.argv.includes('--wrong'))
  for (const w of r.wrong)
    process.stdout.write(
      `${w.curve.id}: ${w.curve.label} read as ${w.d.pattern} ` +
        `(${w.d.confidence}; runner-up ${w.d.runner_up.pattern}) ` +
        `- ${w.curve.how}\n`,
    );
