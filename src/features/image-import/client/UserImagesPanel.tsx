import { Toggletip } from '../../../ui/Toggletip';
import { type ChangeEvent, type DragEvent, useRef, useState } from 'react';
import {
  cancelImport,
  filesFromDrop,
  filesFromInput,
  importUserImages,
  useUserImagesStore,
} from './import-client';
import { MIN_IMAGES } from '../shared/user-dataset';
import './user-images.css';

/** Skipped files listed by name; a long list is cut, with the number left out. */
const SKIPPED_SHOWN = 20;

/**
 * "Your own images": a drop zone and pickers for a folder (one sub-folder per label, or none)
 * or a zip of PNG/JPEG images, the colour choice, the import's progress and its report.
 */
export function UserImagesPanel() {
  const status = useUserImagesStore((s) => s.status);
  const progress = useUserImagesStore((s) => s.progress);
  const decoding = useUserImagesStore((s) => s.decoding);
  const message = useUserImagesStore((s) => s.message);
  const skipped = useUserImagesStore((s) => s.skipped);
  const colour = useUserImagesStore((s) => s.colour);
  const setColour = useUserImagesStore((s) => s.setColour);
  const [over, setOver] = useState(false);
  const folderRef = useRef<HTMLInputElement>(null);
  const filesRef = useRef<HTMLInputElement>(null);
  const busy = status === 'importing';

  const picked = (e: ChangeEvent<HTMLInputElement>) => {
    const list = e.currentTarget.files;
    if (list && list.length > 0) void importUserImages(filesFromInput(list));
    e.currentTarget.value = '';
  };
  // Handled here, not by the page-wide drop of run zips: a zip dropped here is images.
  const dragOver = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    setOver(false);
    if (busy) return;
    const transfer = e.dataTransfer;
    void filesFromDrop(transfer).then(importUserImages);
  };

  return (
    <section className="panel user-images" aria-labelledby="user-images-heading">
      <h2 id="user-images-heading">Your own images</h2>
      <div
        className={`user-drop${over ? ' user-drop--over' : ''}`}
        role="region"
        aria-label="Drop zone for your images"
        data-testid="user-drop"
        onDragEnter={dragOver}
        onDragOver={dragOver}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <p className="small">
          Drop a folder or a .zip of PNG/JPEG images here (one sub-folder per label, or none). They
          are centred, resized and split 90/10 into training and test images; at least {MIN_IMAGES}{' '}
          are needed.
        </p>
        <div className="button-row">
          <button type="button" disabled={busy} onClick={() => folderRef.current?.click()}>
            Choose a folder…
          </button>
          <button type="button" disabled={busy} onClick={() => filesRef.current?.click()}>
            Choose images or a zip…
          </button>
        </div>
        <input
          ref={folderRef}
          type="file"
          aria-label="Folder of images"
          hidden
          multiple
          // React does not know the attribute; Chromium, Firefox and Safari all read it.
          {...{ webkitdirectory: '' }}
          onChange={picked}
        />
        <input
          ref={filesRef}
          type="file"
          aria-label="Image files or a zip"
          hidden
          multiple
          accept="image/png,image/jpeg,.png,.jpg,.jpeg,.zip,application/zip"
          onChange={picked}
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={colour}
            disabled={busy}
            onChange={(e) => setColour(e.currentTarget.checked)}
          />
          Keep colour (32×32)
        </label>
        <Toggletip
          about="keeping colour"
          text="Train on 32×32 RGB pictures instead of 28×28 grey levels."
        />
      </div>
      {busy && (
        <div className="user-progress" data-testid="user-images-progress">
          <progress
            aria-label="Image import progress"
            max={Math.max(1, progress?.total ?? 1)}
            value={progress?.done ?? 0}
          />
          <span className="small">{progress?.label ?? 'Reading the files'}</span>
          {decoding && (
            <button type="button" onClick={cancelImport}>
              Cancel import
            </button>
          )}
        </div>
      )}
      {message && (
        <p
          className={`small user-message user-message--${status}`}
          role={status === 'refused' || status === 'error' ? 'alert' : 'status'}
          data-testid="user-images-message"
        >
          {message}
        </p>
      )}
      {skipped.length > 0 && (
        <details open className="user-skipped">
          <summary>
            Skipped {skipped.length} file{skipped.length === 1 ? '' : 's'}
          </summary>
          <ul aria-label="Skipped files" className="small">
            {skipped.slice(0, SKIPPED_SHOWN).map((s) => (
              <li key={s.path}>
                <code>{s.path}</code>: {s.reason}
              </li>
            ))}
            {skipped.length > SKIPPED_SHOWN && <li>and {skipped.length - SKIPPED_SHOWN} more</li>}
          </ul>
        </details>
      )}
    </section>
  );
}
