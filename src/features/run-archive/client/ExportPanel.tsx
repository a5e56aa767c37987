import { Toggletip } from '../../../ui/Toggletip';
import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import {
  downloadCurvesCsv,
  downloadGridPng,
  exportForPyTorch,
  exportWeights,
  importRunFile,
  type GridKey,
} from './run-io';
import { useAppStore } from '../../../app/store';
import { replaceRun } from '../../checkpoints/client/replace-run';
import '../../../app/persistence.css';

const PICTURES: { key: GridKey; label: string }[] = [
  { key: 'reconstructions', label: 'Reconstructions' },
  { key: 'samples', label: 'Prior samples' },
  { key: 'interpolation', label: 'Interpolation' },
];

/**
 * Export and import of the whole run (one zip), downloads for reports (curves as CSV, each
 * picture as PNG) and the link to these settings. A zip dropped anywhere on the page imports.
 */
export function ExportPanel() {
  const status = useAppStore((s) => s.status);
  const hasImages = useAppStore((s) => s.images !== null);
  // A boolean, so new curve points (10 a second) do not re-render this panel.
  const hasCurves = useAppStore((s) => s.metricsVersion >= 0 && s.series.length > 0);
  const addNotice = useAppStore((s) => s.addNotice);
  const [busy, setBusy] = useState<'export' | 'torch' | 'import' | null>(null);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const torchInput = useRef<HTMLInputElement>(null);
  const hasModel = status === 'ready' || status === 'paused' || status === 'training';

  const runImport = async (file: File) => {
    setBusy('import');
    try {
      // Asks first while training, and keeps the replaced run as a checkpoint.
      await replaceRun(`"${file.name}"`, () => importRunFile(file));
    } finally {
      setBusy(null);
    }
  };

  // The whole page is a drop target for a run zip.
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth += 1;
      setDragging(true);
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const file = e.dataTransfer?.files[0];
      if (file) void runImport(file);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);

  const chosen = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.currentTarget.files?.[0];
    // Cleared so that choosing the same file again imports it again.
    e.currentTarget.value = '';
    if (file) void runImport(file);
  };

  const exportNow = async (kind: 'export' | 'torch') => {
    setBusy(kind);
    try {
      await (kind === 'export' ? exportWeights() : exportForPyTorch());
    } finally {
      setBusy(null);
    }
  };

  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      addNotice('info', 'Link to these settings copied.');
    } catch {
      addNotice('warning', 'Copy the address bar: it holds every setting of this run.');
    }
  };

  return (
    <section className="panel export-panel" aria-labelledby="export-heading">
      <h2 id="export-heading">Save and share</h2>
      <div className="button-row">
        <button
          type="button"
          onClick={() => void exportNow('export')}
          disabled={!hasModel || busy !== null}
        >
          {busy === 'export' ? 'Exporting…' : 'Export weights (.zip)'}
        </button>
        <button
          type="button"
          onClick={() => fileInput.current?.click()}
          disabled={busy !== null || status === 'idle'}
        >
          {busy === 'import' ? 'Importing…' : 'Import weights…'}
        </button>
        <input
          ref={fileInput}
          className="visually-hidden"
          type="file"
          accept=".zip,application/zip"
          aria-label="Weights file to import"
          data-testid="import-file"
          onChange={chosen}
        />
        <Toggletip
          about="export and import"
          question="What do Export and Import do?"
          text="Export weights downloads every network in TensorFlow.js Layers format, with the optimiser state and the curves, as one zip. Import weights loads a zip exported by this app and continues that run where it stopped."
        />
      </div>
      <p className="muted small">
        The zip holds each network in TensorFlow.js Layers format, the optimiser state, the curves
        and a manifest. Drop one anywhere on the page to continue that run.
      </p>
      <h3>PyTorch</h3>
      <div className="button-row">
        <button
          type="button"
          onClick={() => void exportNow('torch')}
          disabled={!hasModel || busy !== null}
        >
          {busy === 'torch' ? 'Exporting…' : 'Export for PyTorch (.safetensors)'}
        </button>
        <button
          type="button"
          onClick={() => torchInput.current?.click()}
          disabled={busy !== null || status === 'idle'}
        >
          {busy === 'import' ? 'Importing…' : 'Import .safetensors…'}
        </button>
        <input
          ref={torchInput}
          className="visually-hidden"
          type="file"
          accept=".safetensors,application/octet-stream"
          aria-label="PyTorch run to import"
          data-testid="import-safetensors"
          onChange={chosen}
        />
        <Toggletip
          about="the PyTorch files"
          question="What do the PyTorch buttons do?"
          text="Export for PyTorch downloads the run as one .safetensors file in PyTorch's names and layouts (weights, Adam moments, curves, settings) for python/vaegan.py. Import .safetensors loads a run written by python/vaegan.py (or exported here) and trains on from it."
        />
      </div>
      <p className="muted small">
        <code>
          python3 python/vaegan.py train run.safetensors --steps 5000 --out run2.safetensors
        </code>{' '}
        trains on in PyTorch (on a GPU if there is one); import what it writes to carry on here. See
        the README, &ldquo;Beyond the browser&rdquo;.
      </p>
      <h3>For reports</h3>
      <div className="button-row">
        <button type="button" onClick={downloadCurvesCsv} disabled={!hasCurves}>
          Curves (CSV)
        </button>
        {PICTURES.map(({ key, label }) => (
          <button
            key={key}
            type="button"
            onClick={() => void downloadGridPng(key)}
            disabled={!hasImages}
            aria-label={`${label} (PNG)`}
          >
            {label} PNG
          </button>
        ))}
        <Toggletip
          about="the downloads for reports"
          question="What do these downloads hold?"
          text="Curves (CSV): every curve point (step, time, L_rec, KL, L_D, L_G, mean D(x), D(x̃), D(x_p), steps/s). Each picture as PNG at its own resolution."
        />
      </div>
      <div className="button-row">
        <button type="button" onClick={() => void copyLink()}>
          Copy link to these settings
        </button>
        <Toggletip
          about="the link to these settings"
          text="The address holds every setting of this run (data set, model, β, γ, learning rates, seed, backend), so the link starts the same run."
        />
      </div>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop a run .zip or .safetensors to import it
        </div>
      )}
    </section>
  );
}
