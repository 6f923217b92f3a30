// Part of the benchmark area `saga`: probes that say where a run's time and CPU went (none asserts anything).
// - hostSpans: at the image host, the first request, the last byte, how many requests were open on average.
// - cpuMeter: the machine's busy CPU over a stretch (/proc/stat); per process with SAGA_BENCH_CPU=1.
// - startWorkerCpuProfile: a V8 CPU profile of the worker or of another extension target (SAGA_BENCH_PROFILE…).
// - pageProbe: the Google page's main thread over a stretch: its V8 profile (SAGA_BENCH_PROFILE_REAL=1) and
//   Chrome's trace events summed by name (SAGA_BENCH_TRACE_PAGE=1).
import { existsSync, readFileSync, readdirSync } from 'node:fs';

/**
 * A CDP session on one of the extension's targets (its own, messages through the browser session): the worker, or
 * another target by a part of its address (`offscreen`: the transfer document). `send(method, params)` resolves
 * with the result. Null when there is no such target.
 */
async function extensionTarget(context, extensionId, which) {
  const cdp = await context.browser().newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const target = targetInfos.find((info) => info.url.startsWith(`chrome-extension://${extensionId}/`) && (which === 'service_worker' ? info.type === which : info.url.includes(which)));
  if (!target) return null;
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
  let nextId = 1;
  const pending = new Map();
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message);
    if (message.id !== undefined && pending.has(message.id)) {
      pending.get(message.id)(message.result);
      pending.delete(message.id);
    }
  });
  const send = async (method, params = {}) => {
    const id = nextId++;
    const answer = new Promise((resolve) => pending.set(id, resolve));
    await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    return answer;
  };
  return { cdp, send };
}

/**
 * SAGA_BENCH_PROFILE=1: a V8 CPU profile of the worker over CDP (its own target, messages through the browser
 * session): the worker's busy time (samples that are not idle) is its CPU spent on the bulk run, less noisy on a
 * loaded machine than wall-clock. Returns stop() → { busyMs, gcMs, top: self time by function }.
 */
export async function startWorkerCpuProfile(context, extensionId, which = 'service_worker') {
  const session = await extensionTarget(context, extensionId, which);
  if (!session) throw new Error(`no ${which} target`);
  const { send, cdp } = session;
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 250 });
  await send('Profiler.start');
  return async () => {
    const { profile } = await send('Profiler.stop');
    await cdp.detach().catch(() => undefined);
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    // Native frames (no url: IndexedDB, fetch, postMessage) are charged to the nearest script caller, with the
    // caller's caller for Dexie's own frames (SAGA_BENCH_DIST built with --minify false gives readable names).
    const caller = (nodeId) => {
      const names = [];
      for (let id = nodeId; id !== undefined && names.length < 3; id = parent.get(id)) {
        const frame = byId.get(id).callFrame;
        if (frame.url) names.push(`${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber}`);
      }
      return names.join(' < ');
    };
    const self = new Map();
    let busy = 0;
    let gc = 0;
    profile.samples.forEach((nodeId, i) => {
      const frame = byId.get(nodeId).callFrame;
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      if (frame.functionName === '(idle)') return;
      busy += ms;
      if (frame.functionName === '(garbage collector)') gc += ms;
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber}${frame.url ? '' : ` ← ${caller(nodeId)}`}`;
      self.set(key, (self.get(key) ?? 0) + ms);
    });
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([key, ms]) => `${ms.toFixed(0)} ${key}`);
    return { busyMs: Math.round(busy), gcMs: Math.round(gc), top };
  };
}

/**
 * Where a run's time went at the host: the start to its first request, the last byte to the last file on disk,
 * and how many requests were open on average between (the pool's 3 at best).
 */
export function hostSpans(host, part, start, end) {
  const spans = host.spansOf('/').filter((span) => span.path.includes(part));
  const first = Math.min(...spans.map((span) => span.from)) + performance.timeOrigin;
  const last = Math.max(...spans.map((span) => span.to).filter(Number.isFinite)) + performance.timeOrigin;
  const open = spans.reduce((sum, span) => sum + (span.to - span.from), 0) / (last - first);
  return `first request ${(first - start).toFixed(0)} ms after the start, last file ${(end - last).toFixed(0)} ms after the last byte, ${open.toFixed(2)} requests open on average`;
}

/** Starts counting the machine's busy CPU time (Linux /proc/stat); the call it returns says how busy, in %. */
export function cpuMeter() {
  const read = () => {
    if (!existsSync('/proc/stat')) return null;
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0);
    return { idle, total: fields.reduce((a, b) => a + b, 0) };
  };
  // SAGA_BENCH_CPU=1: also the processes that used the most CPU time meanwhile.
  const perProcess = () => {
    const out = new Map();
    if (process.env.SAGA_BENCH_CPU !== '1') return out;
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // Chromium rewrites its command line as one string: split on spaces too.
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
        const type = cmd.find((arg) => arg.startsWith('--type='))?.slice(7) ?? cmd[0].split('/').pop();
        const sub = cmd.find((arg) => arg.startsWith('--utility-sub-type='))?.slice(19) ?? cmd.find((arg) => arg === '--extension-process') ?? '';
        out.set(pid, { name: `${type} ${sub}`.trim(), ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // Gone meanwhile.
      }
    }
    return out;
  };
  const before = read();
  const processesBefore = perProcess();
  return () => {
    const after = read();
    if (!before || !after) return 'n/a';
    const busy = `${((1 - (after.idle - before.idle) / (after.total - before.total)) * 100).toFixed(0)}%`;
    const top = [...perProcess()].map(([pid, { name, ticks }]) => [`${name} ${pid}`, ticks - (processesBefore.get(pid)?.ticks ?? 0)]).filter(([, t]) => t > 5).sort((a, b) => b[1] - a[1]).slice(0, 8);
    return top.length ? `${busy} (ticks: ${top.map(([n, t]) => `${n}: ${t}`).join(', ')})` : busy;
  };
}

/** The page's probes for one stretch (by the env above); stop() logs what they saw. */
export async function pageProbe(context, page, log) {
  const profiling = process.env.SAGA_BENCH_PROFILE_REAL === '1' ? await context.newCDPSession(page) : null;
  if (profiling) {
    await profiling.send('Profiler.enable');
    await profiling.send('Profiler.start');
  }
  const tracing = process.env.SAGA_BENCH_TRACE_PAGE === '1' ? await context.newCDPSession(page) : null;
  const traced = [];
  if (tracing) {
    tracing.on('Tracing.dataCollected', ({ value }) => traced.push(...value));
    await tracing.send('Tracing.start', { categories: 'devtools.timeline,blink,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  }
  const top = (totals, count) => [...totals].sort((a, b) => b[1] - a[1]).slice(0, count).map(([key, ms]) => `${ms.toFixed(0)} ${key}`);
  return async () => {
    if (tracing) {
      const complete = new Promise((resolve) => tracing.once('Tracing.tracingComplete', resolve));
      await tracing.send('Tracing.end');
      await complete;
      const byName = new Map();
      for (const event of traced) {
        if (event.ph !== 'X' || !event.dur) continue;
        const key = `${event.pid}:${event.tid} ${event.name}`;
        byName.set(key, (byName.get(key) ?? 0) + event.dur / 1000);
      }
      log(`page trace (ms, nested events overlap): ${JSON.stringify(top(byName, 30), null, 1)}`);
    }
    if (profiling) {
      const { profile } = await profiling.send('Profiler.stop');
      const byId = new Map(profile.nodes.map((node) => [node.id, node]));
      const self = new Map();
      profile.samples.forEach((nodeId, i) => {
        const frame = byId.get(nodeId).callFrame;
        if (frame.functionName === '(idle)') return;
        const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber}`;
        self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
      });
      log(`page CPU: ${JSON.stringify(top(self, 20), null, 1)}`);
    }
  };
}

/**
 * SAGA_BENCH_TRACE_BROWSER=1: Chrome's trace of every process over a stretch (toplevel tasks, mojo), summed by
 * process and by what ran (the task's posting site or mojo interface); stop() logs the largest.
 */
export async function browserTrace(context, log) {
  if (process.env.SAGA_BENCH_TRACE_BROWSER !== '1') return async () => undefined;
  const cdp = await context.browser().newBrowserCDPSession();
  const traced = [];
  cdp.on('Tracing.dataCollected', ({ value }) => traced.push(...value));
  await cdp.send('Tracing.start', { categories: 'toplevel,mojom,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  return async () => {
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await complete;
    const names = new Map();
    for (const event of traced) if (event.ph === 'M' && event.name === 'process_name') names.set(event.pid, event.args?.name ?? String(event.pid));
    const threads = new Map();
    for (const event of traced) if (event.ph === 'M' && event.name === 'thread_name') threads.set(`${event.pid}:${event.tid}`, event.args?.name ?? '');
    const totals = new Map();
    for (const event of traced) {
      if (event.ph !== 'X' || !event.dur || !/RunTask|Mojo|mojo/.test(event.name)) continue;
      const what = event.args?.chrome_mojo_event_info?.mojo_interface_tag ?? event.args?.src_func ?? event.args?.task?.posted_from?.function_name ?? event.name;
      const key = `${names.get(event.pid) ?? event.pid}/${threads.get(`${event.pid}:${event.tid}`) ?? event.tid} ${event.name} ${what}`;
      totals.set(key, (totals.get(key) ?? 0) + event.dur / 1000);
    }
    log(`browser trace (ms; nested events overlap): ${JSON.stringify([...totals].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([key, ms]) => `${ms.toFixed(0)} ${key}`), null, 1)}`);
    await cdp.detach().catch(() => undefined);
  };
}

/**
 * SAGA_BENCH_OFFSCREEN_MESSAGES=1: counts the runtime messages the transfer document receives over a stretch, by
 * kind and sender (every extension page hears every runtime message); stop() logs them.
 */
export async function offscreenMessages(context, extensionId, log) {
  if (process.env.SAGA_BENCH_OFFSCREEN_MESSAGES !== '1') return async () => undefined;
  const session = await extensionTarget(context, extensionId, 'offscreen');
  if (!session) return async () => log('offscreen messages: no document');
  const { send, cdp } = session;
  const evaluate = (expression) => send('Runtime.evaluate', { expression, returnByValue: true });
  await evaluate(`globalThis.__counts = {}; chrome.runtime.onMessage.addListener((m, s) => { const k = (m && (m.type || (m.call && m.call.op) || (m.fact && 'fact ' + m.fact.type) || m.target)) + ' from ' + (s.tab ? 'tab' : (s.url || '').split('/').pop()); __counts[k] = (__counts[k] || 0) + 1; return false; })`);
  return async () => {
    const { result } = await evaluate('JSON.stringify(globalThis.__counts)');
    log(`offscreen messages: ${result.value}`);
    await cdp.detach().catch(() => undefined);
  };
}
