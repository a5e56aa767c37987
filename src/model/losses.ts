/**
 * The VAEGAN's losses (../shared/MODEL.md, "Losses"): per image, then averaged over the batch.
 * All work on logits, never on probabilities, so no log(0) can occur and no eps clamp is needed.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdversarialForm } from './config';

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

/** -log sigmoid(l) = softplus(-l), averaged. */
function meanNegLogSigmoid(logits: tf.Tensor): tf.Scalar {
  return tf.mean(tf.softplus(tf.neg(logits))) as tf.Scalar;
}

/** -log(1 - sigmoid(l)) = softplus(l), averaged. */
function meanNegLogOneMinusSigmoid(logits: tf.Tensor): tf.Scalar {
  return tf.mean(tf.softplus(logits)) as tf.Scalar;
}

/**
 * Discriminator loss over three batches:
 * L_D = -[log D(x) + 0.5 log(1 - D(x_tilde)) + 0.5 log(1 - D(x_p))].
 * @param realLogits D's logits on data, [batch, 1]
 * @param reconLogits D's logits on reconstructions x_tilde, [batch, 1]
 * @param priorLogits D's logits on prior samples x_p = G(z ~ N(0, I)), [batch, 1]
 */
export function discriminatorLoss(
  realLogits: tf.Tensor,
  reconLogits: tf.Tensor,
  priorLogits: tf.Tensor,
): tf.Scalar {
  return tf.tidy(
    () =>
      tf.addN([
        meanNegLogSigmoid(realLogits),
        tf.mul(0.5, meanNegLogOneMinusSigmoid(reconLogits)),
        tf.mul(0.5, meanNegLogOneMinusSigmoid(priorLogits)),
      ]) as tf.Scalar,
  );
}

/**
 * Generator/decoder adversarial loss on reconstructions and prior samples.
 * non-saturating: -[0.5 log D(x_tilde) + 0.5 log D(x_p)];
 * minimax (the seed's): 0.5 log(1 - D(x_tilde)) + 0.5 log(1 - D(x_p)).
 */
export function generatorLoss(
  reconLogits: tf.Tensor,
  priorLogits: tf.Tensor,
  form: AdversarialForm,
): tf.Scalar {
  return tf.tidy(() => {
    if (form === 'non-saturating') {
      return tf.mul(0.5, tf.add(meanNegLogSigmoid(reconLogits), meanNegLogSigmoid(priorLogits)));
    }
    return tf.mul(
      -0.5,
      tf.add(meanNegLogOneMinusSigmoid(reconLogits), meanNegLogOneMinusSigmoid(priorLogits)),
    );
  });
}
