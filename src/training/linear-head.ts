/**
 * The trained head: logits = W f + b over a frozen backbone's feature row f,
 * in float64. Initialised as torch's nn.Linear is (weights and biases uniform
 * in ±1/√D), from a seeded stream (src/random), so a seed decides the start.
 */
import { Rng } from '../random/rng.js';

export class LinearHead {
  /** K × D, row-major. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;

  constructor(readonly classes: number, readonly features: number, weight?: ArrayLike<number>, bias?: ArrayLike<number>) {
    if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`a head needs at least 2 classes, got ${classes}`);
    if (!Number.isInteger(features) || features < 1) throw new RangeError(`a head needs at least 1 feature, got ${features}`);
    this.weight = new Float64Array(classes * features);
    this.bias = new Float64Array(classes);
    if (weight) { if (weight.length !== this.weight.length) throw new RangeError(`${weight.length} weights for a ${classes}×${features} head`); this.weight.set(Array.from(weight)); }
    if (bias) { if (bias.length !== classes) throw new RangeError(`${bias.length} biases for ${classes} classes`); this.bias.set(Array.from(bias)); }
  }

  /** nn.Linear's default initialisation, drawn from Rng(`${seed}:head`). */
  static initialised(classes: number, features: number, seed: number): LinearHead {
    const head = new LinearHead(classes, features);
    const rng = new Rng(`${seed}\u0000linear-head`), bound = 1 / Math.sqrt(features);
    const uniform = (): number => ((rng.nextUint32() + 0.5) / 2 ** 32) * 2 * bound - bound;
    for (let i = 0; i < head.weight.length; i++) head.weight[i] = uniform();
    for (let k = 0; k < classes; k++) head.bias[k] = uniform();
    return head;
  }

  /** The parameters as one vector (W then b), a copy. */
  parameters(): Float64Array {
    const out = new Float64Array(this.weight.length + this.classes);
    out.set(this.weight);
    out.set(this.bias, this.weight.length);
    return out;
  }

  /** Sets W and b from a vector laid out as parameters() gives it. */
  setParameters(p: Float64Array): void {
    this.weight.set(p.subarray(0, this.weight.length));
    this.bias.set(p.subarray(this.weight.length));
  }

  /** Logits of n rows (n × D) into out (n × K). */
  logits(features: Float64Array, n: number, out: Float64Array = new Float64Array(n * this.classes)): Float64Array {
    const { classes: K, features: D, weight: W, bias: b } = this;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        let s = b[k]!;
        for (let d = 0; d < D; d++) s += W[k * D + d]! * features[i * D + d]!;
        out[i * K + k] = s;
      }
    }
    return out;
  }

  /** Softmax of the logits of n rows (stable: the row max subtracted first). */
  probabilities(features: Float64Array, n: number): Float64Array {
    const K = this.classes, z = this.logits(features, n);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, z[i * K + k]!);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += (z[i * K + k] = Math.exp(z[i * K + k]! - max));
      for (let k = 0; k < K; k++) z[i * K + k] = z[i * K + k]! / sum;
    }
    return z;
  }

  /**
   * The gradient over the parameters (laid out as parameters()) of a loss whose
   * gradient over the n × K logits is `dLogits`: ∂/∂W = dZᵀ F, ∂/∂b = Σ rows of dZ.
   */
  backward(features: Float64Array, dLogits: Float64Array, n: number, out: Float64Array): Float64Array {
    const { classes: K, features: D } = this;
    out.fill(0);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        const g = dLogits[i * K + k]!;
        if (g === 0) continue;
        const row = k * D, f = i * D;
        for (let d = 0; d < D; d++) out[row + d] = out[row + d]! + g * features[f + d]!;
        out[K * D + k] = out[K * D + k]! + g;
      }
    }
    return out;
  }
}
