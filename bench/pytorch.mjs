// PyTorch for `npm run bench` (bench/pytorch_reference.py, the same model and step on the CPU),
// in the two settings the comparison needs: OpenBLAS choosing its own kernels for this CPU
// (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that command alone: PyTorch at its best),
// and the machine's own environment (which may hold OpenBLAS to older kernels).
import { spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';

/** The two PyTorch settings, in the order a round runs them. */
export const PYTORCH_SETTINGS = [
  {
    name: 'best',
    label: 'OpenBLAS choosing its own kernels',
    env: () => {
      const env = { ...process.env };
      delete env.OPENBLAS_CORETYPE;
      delete env.OPENBLAS_L2_SIZE;
      return env;
    },
  },
  {
    name: 'machine',
    label: 'this machine’s OpenBLAS setting',
    env: () => ({ ...process.env }),
  },
];

/** Whether PyTorch can be imported here; a note for the report when it cannot. */
export function pytorchAvailability() {
  const run = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (run.status === 0) return { available: true, note: '' };
  return {
    available: false,
    note:
      'PyTorch is not installed, so the comparison has no PyTorch side. Install it (Debian, as ' +
      'root): `bash bench/setup-pytorch.sh` (apt-get install -y python3-torch ' +
      'libopenblas0-pthread), then rerun.',
  };
}

/**
 * One run of the reference in `setting` at every batch size, 1 and 2 threads: its JSON
 * (torch, blas, corename, rows) with `setting` and `when`, or an { error }.
 */
export function runPyTorch(setting, batchSizes, when) {
  console.log(`PyTorch (${setting.label}), ${when} ...`);
  const run = spawnSync(
    PYTHON,
    ['bench/pytorch_reference.py', '--batch', batchSizes.join(','), '--threads', '1,2'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: setting.env() },
  );
  if (run.status !== 0) return { error: `exit ${run.status}`, setting: setting.name, when };
  return { ...JSON.parse(run.stdout), setting: setting.name, when };
}

/** PyTorch's best row (1 or 2 threads) at this batch in one run, or null. */
export function bestOf(run, batch) {
  return (run.rows ?? [])
    .filter((r) => r.batch === batch)
    .reduce((best, r) => (!best || r.imagesPerSec > best.imagesPerSec ? r : best), null);
}
