import { useAppStore } from './store';

/**
 * Warnings and errors from the worker or the page, each dismissable, in a live region that is
 * always in the page (empty when there is nothing to say): a region inserted with its first
 * message is often not read out, one that is already there is. Errors are alerts as well.
 */
export function Notices() {
  const notices = useAppStore((s) => s.notices);
  const dismiss = useAppStore((s) => s.dismissNotice);
  return (
    <div className="notices" role="log" aria-live="polite" aria-label="Messages">
      {notices.map((n) => (
        <div
          key={n.id}
          className={`notice notice--${n.level}`}
          role={n.level === 'error' ? 'alert' : undefined}
        >
          <span>{n.message}</span>
          <button type="button" aria-label="Dismiss message" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
