// npm run eval:diagnosis [-- dev|heldout|fresh|all] [--wrong]: the diagnosis scored on the labelled corpus.
import { evaluate, loadCorpus, reportText, sourcesOf } from './evaluation.js';

const which = process.argv.find((a) => ['dev', 'heldout', 'fresh', 'all'].includes(a)) ?? 'heldout';
const corpus = loadCorpus();
const curves = corpus.curves.filter((c) => which === 'all' || c.part === which);
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
