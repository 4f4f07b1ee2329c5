// The real Threads (base/threads.ts): Bun Workers. A Worker's own module must be an entry point
// of the compiled executable (packaging/compile.ts EXTRA_ENTRY_POINTS), or it fails to load.

import type { ThreadPort, Threads } from '../base/threads.ts';

export const bunThreads: Threads = {
  start(entry: URL): ThreadPort {
    const worker = new Worker(entry);
    let failed = false;
    return {
      post: (message, transfer) => worker.postMessage(message, transfer),
      listen(onMessage, onFailure) {
        const fail = (reason: string): void => {
          if (failed) return;
          failed = true;
          onFailure(reason);
        };
        worker.onmessage = (e: MessageEvent) => onMessage(e.data);
        worker.onerror = (e: ErrorEvent) => fail(e.message || 'the thread failed');
        worker.onmessageerror = () => fail('a message from the thread could not be read');
        worker.addEventListener('close', () => fail('the thread exited'));
      },
      terminate() {
        failed = true;
        worker.terminate();
      },
    };
  },
};
