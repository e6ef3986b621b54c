// Giving the main thread back between units of work, so no task runs long (input and paint go on).

/** Resolves on the next turn of the event loop (a message, not a clamped timer): input and paint can run. */
export function nextTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** A function to await between units of work: it yields to the event loop once a slice of ~8 ms is used. */
export function timeSlicer(budgetMs = 8): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < budgetMs) return;
    await nextTask();
    sliceStart = performance.now();
  };
}
