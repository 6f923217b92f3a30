// Part of the benchmark area `saga`: the baseline every saga ratio divides by — bare `chrome.downloads.download`
// calls made in the extension's worker, 3 at a time, each waiting until Chrome reports its download ended.

/**
 * Runs IN THE WORKER (pass it to `worker.evaluate`: it closes over nothing). `names[i]` is the file for `urls[i]`,
 * relative to the downloads folder. `mode`: 'pool' (a sliding pool of 3) or 'batches' (3 at a time, each batch
 * waiting for its slowest). `timings`: a key under which each download() call's resolve time is kept
 * (`globalThis.__benchRawDownloadMs[key]`), to compare with the saga's own.
 */
export async function bareDownloadsInWorker({ urls, names, mode = 'pool', timings = null }) {
  const finished = (id) =>
    new Promise((resolve) => {
      const check = (delta) => {
        if (delta.id === id && delta.state && delta.state.current !== 'in_progress') {
          chrome.downloads.onChanged.removeListener(check);
          resolve(delta.state.current);
        }
      };
      chrome.downloads.onChanged.addListener(check);
      chrome.downloads.search({ id }).then(([item]) => {
        if (item && item.state !== 'in_progress') {
          chrome.downloads.onChanged.removeListener(check);
          resolve(item.state);
        }
      });
    });
  const calls = timings ? ((globalThis.__benchRawDownloadMs ??= {})[timings] = []) : null;
  const one = async (i) => {
    const at = performance.now();
    const id = await chrome.downloads.download({ url: urls[i], filename: names[i], conflictAction: 'uniquify' });
    calls?.push(performance.now() - at);
    return finished(id);
  };
  if (mode === 'batches') {
    for (let i = 0; i < urls.length; i += 3) await Promise.all(urls.slice(i, i + 3).map((_, k) => one(i + k)));
    return;
  }
  let next = 0;
  const lane = async () => {
    while (next < urls.length) await one(next++);
  };
  await Promise.all([lane(), lane(), lane()]);
}
