/**
 * The view: which tab of the dashboard is open, and which parts a link hides. Read from the
 * URL once at load (view-state.ts), then the URL follows the open tab, so the address bar
 * opens the same view. Parts are hidden by a style rule on their `data-part` (HiddenParts in
 * Dashboard.tsx), so a panel marks a control with one attribute.
 */
import { create } from 'zustand';
import { useAppStore } from './store';
import { DEFAULT_TAB, readViewState, type TabId, writeViewState } from './view-state';

export interface ViewStore {
  tab: TabId;
  /** Tabs and parts hidden by the link's `hide`. */
  hidden: readonly string[];
  /** Tabs opened so far: a tab's panels mount when it is first opened if they load code then. */
  opened: readonly TabId[];
}

export const useViewStore = create<ViewStore>()(() => ({
  tab: DEFAULT_TAB,
  hidden: [],
  opened: [DEFAULT_TAB],
}));

/** Opens a tab (not one the link hides) and puts it in the URL. */
export function openTab(tab: TabId) {
  const { hidden, opened } = useViewStore.getState();
  if (hidden.includes(tab)) return;
  useViewStore.setState({ tab, opened: opened.includes(tab) ? opened : [...opened, tab] });
  const search = writeViewState(tab, window.location.search);
  if (search !== window.location.search) {
    const url = `${window.location.pathname}${search}${window.location.hash}`;
    window.history.replaceState(window.history.state, '', url);
  }
}

/** Whether a link hides a tab or part (`hide=`). */
export const useHidden = (part: string): boolean => useViewStore((s) => s.hidden.includes(part));

/** Reads the view from the URL (a notice per ignored value). */
export function startViewSync() {
  const view = readViewState(window.location.search);
  for (const problem of view.problems) useAppStore.getState().addNotice('warning', problem);
  useViewStore.setState({
    tab: view.tab,
    hidden: view.hidden,
    opened: [...new Set([DEFAULT_TAB, view.tab])],
  });
  // An ignored tab= leaves the address.
  const search = writeViewState(view.tab, window.location.search);
  if (search !== window.location.search) {
    const url = `${window.location.pathname}${search}${window.location.hash}`;
    window.history.replaceState(window.history.state, '', url);
  }
}
