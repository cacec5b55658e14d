/** `fer-c fit-gmm`: fit the valence/arousal GMM of SPEC.md §3 once, save it as JSON for `corrupt --gmm`. */
import { parseArgs, flag, requiredFlag, UsageError } from './args.js';
import type { Command } from './command.js';
import { fitGmm } from '../labels/gmm-fit.js';
import { saveGmm } from '../labels/gmm-file.js';
import { readGmmTrainingSet, type TrainingCsvFormat } from '../labels/gmm-training-set.js';

const USAGE = `usage: fer-c fit-gmm --csv TRAIN.csv [--format affectnet|folder] [--classes A,B,…] --out gmm.json

Fits one Gaussian per class over (valence, arousal): π_k = N_k / N; μ_k and the
biased Σ_k from the class samples within one std of the class mean (both axes).

  --csv FILE      training annotations
  --format F      affectnet (default): AffectNet's CSV (expression 8–10 skipped,
                  valence/arousal −2 = missing); folder: file,label,valence,arousal
  --classes LIST  class names in label order (required for folder; AffectNet's
                  default: Neutral,Happy,Sad,Surprise,Fear,Disgust,Anger,Contempt)
  --out FILE      where to write the parameters (schemas/gmm.schema.json)`;

export const fitGmmCommand: Command = {
  name: 'fit-gmm',
  summary: 'fit the valence/arousal GMM used for soft labels',
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv, { values: ['csv', 'format', 'classes', 'out'] });
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const csv = requiredFlag(args, 'csv');
    const out = requiredFlag(args, 'out');
    const format = flag(args, 'format') ?? 'affectnet';
    if (format !== 'affectnet' && format !== 'folder') throw new UsageError(`--format must be affectnet or folder, got "${format}"`);
    const classesRaw = flag(args, 'classes');
    const classes = classesRaw?.split(',').map((s) => s.trim()).filter(Boolean);
    if (format === 'folder' && !classes) throw new UsageError('--classes is required with --format folder');

    const set = await readGmmTrainingSet(csv, format as TrainingCsvFormat, classes);
    const gmm = fitGmm(set.samples, set.classes);
    saveGmm(out, gmm, csv);
    console.error(`fit-gmm: ${set.samples.length} samples with valence/arousal; skipped ${set.skipped.missingVa} without`
      + `${format === 'affectnet' ? `, ${set.skipped.nonEmotion} with expression 8–10` : ''}`);
    gmm.classes.forEach((name, k) => {
      console.error(`  ${name.padEnd(10)} π ${gmm.pi[k]!.toFixed(4)}  μ (${gmm.mu[k]![0].toFixed(3)}, ${gmm.mu[k]![1].toFixed(3)})  `
        + `used ${gmm.fit!.used[k]} of ${gmm.fit!.samples[k]}`);
    });
    console.error(`fit-gmm: wrote ${out}`);
    return 0;
  },
};
