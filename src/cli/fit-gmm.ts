/** `fer-c fit-gmm`: fit the valence/arousal GMM of SPEC.md §3 once, save it as JSON for `corrupt --gmm`. */
import { parseArgs, flag, listFlag, requiredFlag, numberFlag, UsageError } from './args.js';
import type { Command } from './command.js';
import { fitGmm, DEFAULT_SHRINKAGE_STRENGTH } from '../labels/gmm-fit.js';
import { GMM_PRIORS, type GmmPriorName } from '../labels/gmm-prior.js';
import { saveGmm } from '../labels/gmm-file.js';
import { readGmmTrainingSet, type TrainingCsvFormat } from '../labels/gmm-training-set.js';

const USAGE = `usage: fer-c fit-gmm --csv TRAIN.csv [--format affectnet|folder] [--classes A,B,…]
                     [--shrinkage circumplex [--strength K]] --out gmm.json

Fits one Gaussian per class over (valence, arousal): π_k = N_k / N; μ_k and the
biased Σ_k from the class samples within one std of the class mean (both axes).

  --csv FILE      training annotations
  --format F      affectnet (default): AffectNet's CSV (expression 8–10 skipped,
                  valence/arousal −2 = missing); folder: file,label,valence,arousal
  --classes LIST  class names in label order (required for folder; AffectNet's
                  default: Neutral,Happy,Sad,Surprise,Fear,Disgust,Anger,Contempt)
  --shrinkage P   pull each class towards prior P's component (circumplex: the
                  basic emotions on Russell's circumplex), for few samples:
                  μ = (m μ̂ + K μ₀)/(m + K), Σ likewise, π = (N_k + 1)/(N + classes)
  --strength K    the prior's weight in samples (default 5)
  --out FILE      where to write the parameters (schemas/gmm.schema.json)`;

export const fitGmmCommand: Command = {
  name: 'fit-gmm',
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv, { values: ['csv', 'format', 'classes', 'out', 'shrinkage', 'strength'] });
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const csv = requiredFlag(args, 'csv');
    const out = requiredFlag(args, 'out');
    const format = flag(args, 'format') ?? 'affectnet';
    if (format !== 'affectnet' && format !== 'folder') throw new UsageError(`--format must be affectnet or folder, got "${format}"`);
    const classes = listFlag(args, 'classes', 'class name');
    if (format === 'folder' && !classes) throw new UsageError('--classes is required with --format folder');

    const set = await readGmmTrainingSet(csv, format as TrainingCsvFormat, classes);
    for (const w of set.warnings) console.error(`warning: ${w}`);
    const prior = flag(args, 'shrinkage');
    if (prior !== undefined && !(GMM_PRIORS as readonly string[]).includes(prior)) throw new UsageError(`--shrinkage must be one of ${GMM_PRIORS.join(', ')}, got "${prior}"`);
    if (prior === undefined && flag(args, 'strength') !== undefined) throw new UsageError('--strength needs --shrinkage');
    const strength = numberFlag(args, 'strength', DEFAULT_SHRINKAGE_STRENGTH, (n) => n > 0, 'a number > 0');
    const gmm = fitGmm(set.samples, set.classes, prior ? { shrinkage: { prior: prior as GmmPriorName, strength } } : {});
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
