import { Suspense, type KeyboardEvent, type ReactNode, useEffect, useRef } from 'react';
import { SIDEBAR_PANELS, TABS } from './panels';
import { openTab, useViewStore } from './view';
import { TAB_IDS, type TabId } from './view-state';

/**
 * The tabs, as the ARIA tabs pattern has them: one tab stop, the arrow keys (and Home, End)
 * move between tabs and open them.
 */
function TabBar({ tabs, active }: { tabs: readonly TabId[]; active: TabId }) {
  const list = useRef<HTMLDivElement>(null);
  const onKeyDown = (e: KeyboardEvent) => {
    const at = tabs.indexOf(active);
    const to =
      e.key === 'ArrowRight'
        ? (at + 1) % tabs.length
        : e.key === 'ArrowLeft'
          ? (at - 1 + tabs.length) % tabs.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? tabs.length - 1
              : -1;
    if (to < 0) return;
    e.preventDefault();
    openTab(tabs[to]!);
    list.current?.querySelector<HTMLElement>(`#tab-${tabs[to]}`)?.focus();
  };
  return (
    <div className="tab-bar" role="tablist" aria-label="Views" ref={list} onKeyDown={onKeyDown}>
      {tabs.map((id) => (
        <button
          key={id}
          id={`tab-${id}`}
          type="button"
          role="tab"
          aria-selected={id === active}
          aria-controls={`panel-${id}`}
          tabIndex={id === active ? 0 : -1}
          className="tab"
          onClick={() => openTab(id)}
        >
          {TABS[id].label}
        </button>
      ))}
    </div>
  );
}

/**
 * A tab's panel. The training view ('columns') sizes its pictures and curves to the panel's
 * height: a ResizeObserver writes that height to --view-height when it changes. (A size
 * container query did this before; it made the browser recompute the view's styles on every
 * layout, that is, at every curve point and picture while training: about a tenth of a core.)
 */
function TabPanel({
  id,
  layout,
  shown,
  children,
}: {
  id: TabId;
  layout: string;
  shown: boolean;
  children: ReactNode;
}) {
  const panel = useRef<HTMLDivElement>(null);
  const measured = layout === 'columns';
  useEffect(() => {
    const element = panel.current;
    if (!measured || !element || typeof ResizeObserver === 'undefined') return;
    let last = -1;
    const observer = new ResizeObserver(([entry]) => {
      const height = Math.round(entry!.contentRect.height);
      if (height === last || height === 0) return;
      last = height;
      element.style.setProperty('--view-height', `${height}px`);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [measured]);
  return (
    <div
      ref={panel}
      id={`panel-${id}`}
      role="tabpanel"
      aria-labelledby={`tab-${id}`}
      hidden={!shown}
      className={`tab-panel tab-panel--${layout}`}
    >
      {children}
    </div>
  );
}

/** A style rule that leaves out what the link's `hide=` names (validated names only). */
function HiddenParts() {
  const hidden = useViewStore((s) => s.hidden);
  if (hidden.length === 0) return null;
  const selector = hidden.map((part) => `[data-part="${part}"]`).join(',');
  return <style>{`${selector}{display:none!important}`}</style>;
}

/**
 * The dashboard: the run control and the live weights beside every view, and the views as
 * tabs. Every tab's panels stay mounted once shown (a hidden one keeps its state and holds
 * its redraws, as off-screen panels do), so switching is instant and loses nothing.
 */
export function Dashboard() {
  const tab = useViewStore((s) => s.tab);
  const hidden = useViewStore((s) => s.hidden);
  const opened = useViewStore((s) => s.opened);
  const tabs = TAB_IDS.filter((id) => !hidden.includes(id));
  return (
    <main className="dashboard">
      <HiddenParts />
      <aside className="sidebar" aria-label="Run control and loss weights">
        {SIDEBAR_PANELS.map((Panel, i) => (
          <Panel key={i} />
        ))}
      </aside>
      <div className="workspace">
        <TabBar tabs={tabs} active={tab} />
        {tabs.map((id) => {
          const spec = TABS[id];
          const mounted = !spec.lazy || opened.includes(id);
          return (
            <TabPanel key={id} id={id} layout={spec.layout ?? 'stack'} shown={id === tab}>
              {mounted && (
                <Suspense fallback={<p className="muted">Loading…</p>}>
                  {spec.panels.map((Panel, i) => (
                    <Panel key={i} />
                  ))}
                </Suspense>
              )}
            </TabPanel>
          );
        })}
      </div>
    </main>
  );
}
