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
  'featureRec', // 0.5 ||Dis_l(x) - Dis_l(x_tilde)||^2 per image; NaN when the loss is `pixel`
  'skipD', // 1 when the equilibrium gate skipped D's update (the mean is the skipped fraction)
  'skipG', // 1 when the gate skipped the generator side's update
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
/** Metrics older run files may lack (added with the feature loss and the equilibrium gate). */
export const OPTIONAL_METRICS: readonly MetricName[] = ['featureRec', 'skipD', 'skipG'];

/**
 * The networks whose weight and gradient norms are charted, in readback order. The generator's
 * gradient is phase 3's (of L_G); in `shared` its weights are the decoder's.
 */
export const NORM_NETWORKS = ['encoder', 'decoder', 'generator', 'discriminator'] as const;
export type NormNetwork = (typeof NORM_NETWORKS)[number];
