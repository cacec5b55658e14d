/**
 * Impulse noise (imagecorruptions `impulse_noise` = skimage
 * `random_noise(x/255, mode='s&p', amount=c)`): each value independently is
 * replaced with probability c, by 1 (salt) or 0 (pepper) with equal odds.
 *
 * Drawing a Bernoulli per value would cost 150k draws; instead the gap to the
 * next replaced value is drawn from its geometric law, floor(ln U / ln(1 − c)),
 * which gives the same joint distribution with ~2·c·n draws. Sparse writes into
 * a copy, so no kernel.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';

export const impulseNoise = defineCorruption<number>({
  name: 'impulse_noise',
  /** c: fraction of values replaced. */
  severities: [0.03, 0.06, 0.09, 0.17, 0.27],
  async apply(image, c, { rng }) {
    if (!(c > 0 && c < 1)) throw new Error(`impulse_noise: amount must be in (0, 1), got ${c}`);
    const out = image.data.slice();
    const logKeep = Math.log(1 - c);
    // i: next index to consider; the gap before the next flipped value is Geometric(c) on {0, 1, …}.
    for (let i = Math.floor(Math.log(1 - rng.uniform()) / logKeep); i < out.length;
      i += 1 + Math.floor(Math.log(1 - rng.uniform()) / logKeep)) {
      out[i] = rng.uniform() < 0.5 ? 255 : 0;
    }
    return createFloatImage(image.width, image.height, out);
  },
});
