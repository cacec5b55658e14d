/** Worker-thread entry for `fer-c corrupt`: one KernelHost per worker, one task at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import { KernelHost } from '../gpu/kernel-host.js';
import type { BackendName } from '../gpu/backend.js';
import { runCorruptTask, type CorruptRunConfig, type CorruptTask, type CorruptTaskResult } from './corrupt-task.js';

interface CorruptWorkerData { readonly backend: BackendName; readonly config: CorruptRunConfig }

const { backend, config } = workerData as CorruptWorkerData;
const kernels = new KernelHost(backend);

parentPort!.on('message', (task: CorruptTask | null) => {
  if (task === null) { kernels.destroy(); parentPort!.close(); return; }
  runCorruptTask(task, config, kernels).then(
    (r) => parentPort!.postMessage(r),
    (e: Error) => parentPort!.postMessage({ file: task.file, index: task.index, ok: false, kind: 'internal', error: e.stack ?? e.message } satisfies CorruptTaskResult),
  );
});
