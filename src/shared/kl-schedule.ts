/**
 * The KL term as phase 1 trains it, apart from the loss itself: the weight a KL warm-up gives
 * it at each step. Pure, so the model (src/model/vaegan.ts) and the formulas on the page use
 * the same numbers.
 */

/**
 * The KL weight of training step `step` (1-based: the first step is 1): β·min(1, step/N) with a
 * warm-up of N steps, and exactly β without one (N = 0) or once it is over.
 */
export function klWeightAt(beta: number, warmupSteps: number, step: number): number {
  if (warmupSteps <= 0 || step >= warmupSteps) return beta;
  return beta * (Math.max(0, step) / warmupSteps);
}
