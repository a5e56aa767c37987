/**
 * Networks to and from the standard TensorFlow.js Layers format (model.json topology + one
 * binary weight buffer), in memory. Works inside a worker, where `model.save('downloads://')`
 * cannot (no document): the bytes go to whoever needs them (a download, IndexedDB, a second
 * worker that decodes for the latent pad).
 */
import * as tf from './tf';

/** A network in Layers format: JSON topology, weight specs, and the weights as one buffer. */
export interface NetworkArtifacts {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** Serialises a Layers model to memory (no trainable-state change, no files). */
export async function saveNetwork(model: tf.LayersModel): Promise<NetworkArtifacts> {
  let saved: NetworkArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (!artifacts.modelTopology || !artifacts.weightSpecs || !artifacts.weightData) {
        throw new Error(`saveNetwork: ${model.name} produced no topology or weights`);
      }
      const data = artifacts.weightData;
      // tfjs 4 may hand back the weights as several buffers; join them into one.
      const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
      saved = {
        modelTopology: artifacts.modelTopology as object,
        weightSpecs: artifacts.weightSpecs,
        weightData: buffer,
      };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!saved) throw new Error(`saveNetwork: ${model.name} was not saved`);
  return saved;
}

/** Rebuilds a Layers model from artifacts made by saveNetwork (or read from model.json). */
export function loadNetwork(artifacts: NetworkArtifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs,
      weightData: artifacts.weightData,
    }),
  );
}
