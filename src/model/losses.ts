/**
 * The VAEGAN's losses (docs/model.md, "The losses"): per image, then averaged over the batch.
 * All work on logits, never on probabilities, so no log(0) can occur and no eps clamp is needed.
 */
import * as tf from './tf';
import type { AdversarialForm } from '../shared/config';

/** log(1 + exp(-|l|)), the stable tail shared by every sigmoid cross-entropy below. */
function logOnePlusExpNegAbs(logits: tf.Tensor): tf.Tensor {
  return tf.softplus(tf.neg(tf.abs(logits)));
}

/**
 * Bernoulli negative log-likelihood -log p(x | z): binary cross-entropy summed over pixels,
 * averaged over the batch (the seed's reconstruction term, in nats).
 * @param logits decoder output before the sigmoid, [batch, pixels]
 * @param x target intensities in [0, 1], [batch, pixels]
 */
export function bernoulliNll(logits: tf.Tensor2D, x: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    // max(l, 0) - l * x + log(1 + exp(-|l|)) == -[x log s(l) + (1 - x) log(1 - s(l))]
    const perPixel = tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, x)),
      logOnePlusExpNegAbs(logits),
    );
    return tf.mean(tf.sum(perPixel, 1)) as tf.Scalar; // [batch] -> scalar
  });
}

/**
 * KL(q(z|x) || N(0, I)) in closed form: -0.5 * sum_j (1 + logvar_j - mu_j^2 - exp(logvar_j)),
 * averaged over the batch.
 * @param mu [batch, latentDim]
 * @param logvar [batch, latentDim]
 */
export function klDivergence(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const inner = tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar));
    return tf.mean(tf.mul(-0.5, tf.sum(inner, 1))) as tf.Scalar;
  });
}

/**
 * The KL term with free bits (Kingma et al. 2016): sum_j max(lambda, KL_j), where KL_j is
 * dimension j's KL averaged over the batch. A dimension below lambda adds the constant lambda,
 * so the encoder gains nothing by pushing it further towards the prior.
 * @param mu [batch, latentDim]
 * @param logvar [batch, latentDim]
 * @param lambda nats per dimension, > 0
 */
export function freeBitsKl(mu: tf.Tensor2D, logvar: tf.Tensor2D, lambda: number): tf.Scalar {
  return tf.tidy(() => {
    const inner = tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar));
    const perDimension = tf.mul(-0.5, tf.mean(inner, 0)); // [latentDim]
    return tf.sum(tf.maximum(perDimension, lambda)) as tf.Scalar;
  });
}

/** -log sigmoid(l) = softplus(-l), averaged. */
function meanNegLogSigmoid(logits: tf.Tensor): tf.Scalar {
  return tf.mean(tf.softplus(tf.neg(logits))) as tf.Scalar;
}

/** -log(1 - sigmoid(l)) = softplus(l), averaged. */
function meanNegLogOneMinusSigmoid(logits: tf.Tensor): tf.Scalar {
  return tf.mean(tf.softplus(logits)) as tf.Scalar;
}

/**
 * Larsen's learned-similarity reconstruction loss: 0.5 * sum over features of
 * (Dis_l(x) - Dis_l(x_tilde))^2, averaged over the batch. Which weights it moves is the caller's
 * var list (phase 1 lists the encoder and decoder only, so D's own weights never move).
 * @param realFeatures Dis_l(x), [batch, features]
 * @param reconFeatures Dis_l(x_tilde), [batch, features]
 */
export function featureDistance(realFeatures: tf.Tensor2D, reconFeatures: tf.Tensor2D): tf.Scalar {
  return tf.tidy(
    () =>
      tf.mean(
        tf.mul(0.5, tf.sum(tf.squaredDifference(realFeatures, reconFeatures), 1)),
      ) as tf.Scalar,
  );
}

/**
 * Discriminator loss. With three batches (Larsen):
 * L_D = -[log D(x) + 0.5 log(1 - D(x_tilde)) + 0.5 log(1 - D(x_p))];
 * without the reconstruction batch (reconLogits null), a plain GAN's
 * L_D = -[log D(x) + log(1 - D(x_p))].
 * @param realLogits D's logits on data, [batch, 1]
 * @param reconLogits D's logits on reconstructions x_tilde, [batch, 1], or null
 * @param priorLogits D's logits on prior samples x_p = G(z ~ N(0, I)), [batch, 1]
 */
export function discriminatorLoss(
  realLogits: tf.Tensor,
  reconLogits: tf.Tensor | null,
  priorLogits: tf.Tensor,
): tf.Scalar {
  return tf.tidy(() => tf.add(meanNegLogSigmoid(realLogits), fakeCost(reconLogits, priorLogits)));
}

/**
 * D's cross-entropy on the fakes it is trained on: -[0.5 log(1 - D(x_tilde)) + 0.5 log(1 - D(x_p))],
 * or -log(1 - D(x_p)) without the reconstruction batch.
 */
function fakeCost(reconLogits: tf.Tensor | null, priorLogits: tf.Tensor): tf.Scalar {
  if (!reconLogits) return meanNegLogOneMinusSigmoid(priorLogits);
  return tf.mul(
    0.5,
    tf.add(meanNegLogOneMinusSigmoid(reconLogits), meanNegLogOneMinusSigmoid(priorLogits)),
  );
}

/**
 * D's binary cross-entropy on real and on fake images, [2]: the two numbers Larsen's equilibrium
 * gate reads. realBce = -mean log D(x); fakeBce = the fake part of L_D (see discriminatorLoss).
 */
export function discriminatorCosts(
  realLogits: tf.Tensor,
  reconLogits: tf.Tensor | null,
  priorLogits: tf.Tensor,
): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.stack([meanNegLogSigmoid(realLogits), fakeCost(reconLogits, priorLogits)]) as tf.Tensor1D,
  );
}

/** What the equilibrium gate lets train in one step. */
export interface GateDecision {
  trainD: boolean;
  trainG: boolean;
}

/**
 * Larsen's equilibrium gate, as in his code: D does not train when either of its cross-entropies
 * is below equilibrium - margin (D is far ahead); the generator side does not train when either
 * is above equilibrium + margin (D is weak). If both would stop, both train.
 */
export function equilibriumGate(
  realBce: number,
  fakeBce: number,
  equilibrium: number,
  margin: number,
): GateDecision {
  let trainD = !(realBce < equilibrium - margin || fakeBce < equilibrium - margin);
  let trainG = !(realBce > equilibrium + margin || fakeBce > equilibrium + margin);
  if (!trainD && !trainG) trainD = trainG = true;
  return { trainD, trainG };
}

/**
 * Generator/decoder adversarial loss on reconstructions and prior samples.
 * non-saturating: -[0.5 log D(x_tilde) + 0.5 log D(x_p)];
 * minimax (the seed's): 0.5 log(1 - D(x_tilde)) + 0.5 log(1 - D(x_p)).
 * With reconLogits null (no reconstruction batch, or a plain GAN): -log D(x_p), or log(1 - D(x_p)).
 */
export function generatorLoss(
  reconLogits: tf.Tensor | null,
  priorLogits: tf.Tensor,
  form: AdversarialForm,
): tf.Scalar {
  return tf.tidy(() => {
    if (form === 'non-saturating') {
      if (!reconLogits) return meanNegLogSigmoid(priorLogits);
      return tf.mul(0.5, tf.add(meanNegLogSigmoid(reconLogits), meanNegLogSigmoid(priorLogits)));
    }
    if (!reconLogits) return tf.neg(meanNegLogOneMinusSigmoid(priorLogits));
    return tf.mul(
      -0.5,
      tf.add(meanNegLogOneMinusSigmoid(reconLogits), meanNegLogOneMinusSigmoid(priorLogits)),
    );
  });
}
