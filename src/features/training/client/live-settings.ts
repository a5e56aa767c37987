import type { Hyperparams } from '../../../shared/settings';
import { useAppStore } from '../../../app/store';
import { sendHyperparams } from './trainer-client';

/**
 * A change of live settings from any control (the sliders, the objective switches): the store
 * moves the control at once, the worker puts it in force from its next step, and the formulas
 * highlight the term it acts on for a moment.
 */
export function updateHyperparams(patch: Partial<Hyperparams>) {
  const { setHyperparams, highlightTerm } = useAppStore.getState();
  setHyperparams(patch);
  void sendHyperparams(patch);
  if (patch.beta !== undefined || patch.klWarmup !== undefined || patch.freeBits !== undefined) {
    highlightTerm('kl', 2500);
  }
  if (patch.gamma !== undefined) highlightTerm('gen', 2500);
  if (patch.reconstructionLoss !== undefined) highlightTerm('rec', 2500);
  if (patch.reconstructionsInD !== undefined) highlightTerm('disc', 2500);
}
