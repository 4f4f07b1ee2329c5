// A validation thread's entry (validation-pool.ts starts it; packaging/compile.ts lists it as an
// entry point of the executable). It only moves messages: the work is runValidationJob's.
// A job that throws has hit a bug: the thread answers with the reason instead of dying, and the
// pool answers that request's partitions with an error and stops using threads.

import { installAccelerators } from '../compression/accelerators.ts';
import { runValidationJob, type ValidationJob } from './validation-job.ts';

declare const self: Worker;

installAccelerators();

self.onmessage = (e: MessageEvent) => {
  const job = e.data as ValidationJob;
  try {
    const { answer, transfer } = runValidationJob(job);
    self.postMessage(answer, transfer);
  } catch (err) {
    self.postMessage({ id: job.id, bug: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
};
