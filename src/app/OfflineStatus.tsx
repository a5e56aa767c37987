import { applyUpdate, install, useOfflineStore } from './offline';

/**
 * Whether the app works offline (and with which data sets), the browser's offer to install it,
 * and a new version waiting to be taken.
 */
export function OfflineStatus() {
  const { worker, saved, updateWaiting, installable } = useOfflineStore();
  return (
    <div className="offline-status">
      {worker === 'ready' && (
        <span className="muted" data-testid="offline-status">
          {saved.length > 0
            ? `Works offline (${saved.join(', ')} saved on this device)`
            : 'Saving for offline use…'}
        </span>
      )}
      {installable && (
        <button type="button" onClick={() => void install()}>
          Install app
        </button>
      )}
      {updateWaiting && (
        <span role="status" className="offline-status__update">
          A new version is ready.{' '}
          <button type="button" onClick={applyUpdate}>
            Reload to update
          </button>
        </span>
      )}
    </div>
  );
}
