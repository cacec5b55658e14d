/**
 * Adam as PyTorch's torch.optim.Adam computes it (the FER_C training code's
 * optimiser, SPEC-losses §9): weight decay is L2 added to the gradient
 * (g + wd·θ, not AdamW's decoupled decay), bias corrections as in torch:
 * θ −= (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε). Float64 throughout.
 */

export interface AdamOptions {
  readonly lr: number;
  readonly weightDecay: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
}

/** FER_C's defaults: lr 2.5e-4, weight decay 1e-5 (torch's betas and eps). */
export const FER_C_ADAM: Required<AdamOptions> = { lr: 2.5e-4, weightDecay: 1e-5, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** The optimiser's state, as a checkpoint stores it. */
export interface AdamState {
  readonly step: number;
  readonly m: readonly number[];
  readonly v: readonly number[];
}

export class Adam {
  private readonly options: Required<AdamOptions>;
  private t = 0;
  private readonly m: Float64Array;
  private readonly v: Float64Array;

  constructor(readonly size: number, options: AdamOptions, state?: AdamState) {
    this.options = { ...FER_C_ADAM, ...options };
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    if (state) {
      if (state.m.length !== size || state.v.length !== size) throw new RangeError(`Adam state of ${state.m.length} parameters, expected ${size}`);
      this.t = state.step;
      this.m.set(state.m);
      this.v.set(state.v);
    }
  }

  /** One step on `params` in place; `grad` is left as given. */
  step(params: Float64Array, grad: Float64Array): void {
    const { lr, weightDecay, beta1, beta2, eps } = this.options;
    this.t++;
    const c1 = 1 - beta1 ** this.t, c2 = Math.sqrt(1 - beta2 ** this.t), stepSize = lr / c1;
    for (let i = 0; i < this.size; i++) {
      const g = grad[i]! + weightDecay * params[i]!;
      const m = (this.m[i] = beta1 * this.m[i]! + (1 - beta1) * g);
      const v = (this.v[i] = beta2 * this.v[i]! + (1 - beta2) * g * g);
      params[i] = params[i]! - stepSize * (m / (Math.sqrt(v) / c2 + eps));
    }
  }

  state(): AdamState {
    return { step: this.t, m: Array.from(this.m), v: Array.from(this.v) };
  }
}
