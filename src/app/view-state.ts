/**
 * What the page shows, in the URL beside the run's settings, so a link opens the same view:
 * `tab` (the dashboard's tab; the training view when absent) and `hide` (parts a teacher
 * hides for a class, e.g. `?hide=explorer,quality,lr`). Pure functions: no store, no window.
 * Reading never fails: an unknown tab or part is ignored, with a line in `problems`.
 */
import { LIVE_SETTINGS, LIVE_SETTING_KEYS } from '../shared/settings';

/** The dashboard's tabs, in order; the first is the training view (pictures and curves). */
export const TAB_IDS = [
  'training',
  'explorer',
  'quality',
  'objective',
  'checkpoints',
  'images',
  'share',
  'model',
] as const;
export type TabId = (typeof TAB_IDS)[number];
export const DEFAULT_TAB: TabId = 'training';

/**
 * Parts that `hide` can name besides the tabs (every tab but the training view): each live
 * setting by its URL key (beta, gamma, adv, rec, dBatches, gate, gan, lrVae, lrD, lrG), `lr`
 * for the three learning rates, `special` for the special-case buttons, `step` and `reset`
 * for those buttons, and `tour` for the guided first run.
 */
export const HIDE_GROUPS: Readonly<Record<string, readonly string[]>> = {
  lr: [LIVE_SETTINGS.lrVae.url, LIVE_SETTINGS.lrD.url, LIVE_SETTINGS.lrG.url],
};
const HIDEABLE_PARTS: readonly string[] = [
  ...LIVE_SETTING_KEYS.map((k) => LIVE_SETTINGS[k].url),
  'special',
  'step',
  'reset',
  'tour',
];
/** Every name `hide` accepts, for the README and the messages. */
export const HIDEABLE: readonly string[] = [
  ...TAB_IDS.filter((t) => t !== DEFAULT_TAB),
  ...HIDEABLE_PARTS,
  ...Object.keys(HIDE_GROUPS),
];

export interface ViewState {
  tab: TabId;
  /** Tabs and parts to leave out, groups with their members (never the training view). */
  hidden: string[];
  /** One line per ignored value. */
  problems: string[];
}

/** Reads `tab` and `hide` from a URL query (`location.search`). */
export function readViewState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const hidden: string[] = [];
  for (const raw of (params.get('hide') ?? '').split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!HIDEABLE.includes(name)) {
      problems.push(`Ignored hide=${name}: use any of ${HIDEABLE.join(', ')}.`);
      continue;
    }
    for (const part of [name, ...(HIDE_GROUPS[name] ?? [])]) {
      if (!hidden.includes(part)) hidden.push(part);
    }
  }
  // A group whose every member is hidden goes too (its heading, say).
  for (const [group, members] of Object.entries(HIDE_GROUPS)) {
    if (!hidden.includes(group) && members.every((m) => hidden.includes(m))) hidden.push(group);
  }
  let tab: TabId = DEFAULT_TAB;
  const asked = params.get('tab');
  if (asked !== null) {
    if (!(TAB_IDS as readonly string[]).includes(asked)) {
      problems.push(`Ignored tab=${asked}: use one of ${TAB_IDS.join(', ')}.`);
    } else if (hidden.includes(asked)) {
      problems.push(`Ignored tab=${asked}: the link also hides it.`);
    } else {
      tab = asked as TabId;
    }
  }
  return { tab, hidden, problems };
}

/**
 * The query with `tab` set (left out for the training view); every other parameter, `hide`
 * included, is kept in its place.
 */
export function writeViewState(tab: TabId, current = ''): string {
  const params = new URLSearchParams(current);
  if (tab === DEFAULT_TAB) params.delete('tab');
  else params.set('tab', tab);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
