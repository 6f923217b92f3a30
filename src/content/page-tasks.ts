/** How the content script's work runs beside Google's: in tasks of its own, and never throwing into the page. */

let channel: MessageChannel | undefined;
const soon: Array<() => void> = [];

/** A task of our own soon (not a microtask: that would lengthen the page's task), in the order asked. */
export function later(work: () => void): void {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => soon.shift()?.();
  }
  soon.push(work);
  channel.port2.postMessage(0);
}

export function report(error: unknown): void {
  // Never break Google's page: report and carry on.
  console.warn('Semantest:', error);
}

export function guard(work: () => void): void {
  try {
    work();
  } catch (error) {
    report(error);
  }
}
