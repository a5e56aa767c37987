/** Names of the training metrics, shared by the worker and the page (no tfjs here). */

/** Order of the numbers in the metrics vector that trainStep returns. */
export const METRIC_NAMES = [
  'reconstruction', // L_rec: Bernoulli NLL in nats per image
  'kl', // L_reg: KL(q(z|x) || p(z)) in nats per image
  'discriminator', // L_D
  'generator', // L_G (unweighted by gamma)
  'dReal', // mean D(x)
  'dRecon', // mean D(x_tilde)
  'dPrior', // mean D(x_p)
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
