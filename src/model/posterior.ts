/**
 * Posterior collapse, measured: how much of the KL each latent dimension carries, and how many
 * dimensions the encoder really uses. A dimension whose q(z_j|x) equals the prior for every x
 * carries no information about x (KL 0) and its mean does not move with x.
 *
 * Pure functions on the encoder's outputs over a set of images (mu and logvar, row-major
 * [count, latentDim] each): no tfjs, no DOM.
 */

/** Burda et al. (2015): a unit is active when the variance over x of E_q[z_j] exceeds this. */
export const ACTIVE_UNIT_THRESHOLD = 0.01;

/**
 * The KL of each latent dimension in nats per image: the mean over the images of
 * 0.5 (mu_j^2 + exp(logvar_j) - 1 - logvar_j). They sum to the KL term of the ELBO.
 */
export function klPerDimension(
  mu: ArrayLike<number>,
  logvar: ArrayLike<number>,
  count: number,
  latentDim: number,
): Float64Array {
  const kl = new Float64Array(latentDim); // [latentDim]
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < latentDim; j++) {
      const m = mu[i * latentDim + j]!;
      const lv = logvar[i * latentDim + j]!;
      kl[j] = kl[j]! + 0.5 * (m * m + Math.exp(lv) - 1 - lv);
    }
  }
  for (let j = 0; j < latentDim; j++) kl[j] = kl[j]! / count;
  return kl;
}

/** The variance over the images of each dimension's posterior mean, Cov_x(E_q[z_j]). */
export function meanActivity(mu: ArrayLike<number>, count: number, latentDim: number) {
  const mean = new Float64Array(latentDim);
  const variance = new Float64Array(latentDim); // [latentDim]
  for (let i = 0; i < count; i++)
    for (let j = 0; j < latentDim; j++) mean[j] = mean[j]! + mu[i * latentDim + j]!;
  for (let j = 0; j < latentDim; j++) mean[j] = mean[j]! / count;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < latentDim; j++) {
      const d = mu[i * latentDim + j]! - mean[j]!;
      variance[j] = variance[j]! + d * d;
    }
  }
  for (let j = 0; j < latentDim; j++) variance[j] = variance[j]! / count;
  return variance;
}

/** How many dimensions are active: Cov_x(E_q[z_j]) > threshold (Burda et al. 2015). */
export function activeUnits(
  mu: ArrayLike<number>,
  count: number,
  latentDim: number,
  threshold = ACTIVE_UNIT_THRESHOLD,
): number {
  return meanActivity(mu, count, latentDim).reduce((n, v) => n + (v > threshold ? 1 : 0), 0);
}
