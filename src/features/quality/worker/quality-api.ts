/**
 * The quality worker's API, exposed with comlink. The page derives its type from this object
 * (`QualityApi`) and imports it with `import type` only.
 */
import * as Comlink from 'comlink';
import type { FetchBytes } from '../../../shared/dataset';
import type { WeightsSnapshot } from '../../training/shared/protocol';
import { QualityEvaluator } from './quality';
import type { QualityInit, QualityRequest, RunKey } from '../shared/quality-protocol';

/** Builds the API around one QualityEvaluator; `fetchBytes` is injectable for Node tests. */
export function createQualityApi(deps: { fetchBytes: FetchBytes }) {
  const evaluator = new QualityEvaluator(deps.fetchBytes);
  return {
    /** Starts a tfjs backend in this worker (wasm unless told otherwise). */
    init(request: QualityInit) {
      return evaluator.init(request);
    },
    /** Replaces a run's networks with a trainer snapshot. */
    loadWeights(run: RunKey, snapshot: WeightsSnapshot) {
      return evaluator.loadWeights(run, snapshot);
    },
    dropRun(run: RunKey) {
      evaluator.dropRun(run);
    },
    /** ELBO, IWAE, FCD and mode coverage of a run's latest snapshot. */
    evaluate(request: QualityRequest) {
      return evaluator.evaluate(request);
    },
    /** The last measurement's prior samples that the classifier put in class `label`. */
    classSamples(run: RunKey, label: number) {
      const result = evaluator.classSamples(run, label);
      return result.grid ? Comlink.transfer(result, [result.grid.pixels.buffer]) : result;
    },
    /** The nearest training image of each of `count` prior samples, beside it. */
    async memorisation(run: RunKey, count: number) {
      const result = await evaluator.memorisation(run, count);
      return Comlink.transfer(result, [result.grid.pixels.buffer]);
    },
    dispose() {
      evaluator.dispose();
    },
  };
}

export type QualityApi = ReturnType<typeof createQualityApi>;
