/**
 * Content script for Google Images: a download control on every image result (also those added by infinite
 * scroll or a new search without a page load) and on the open preview panel. A click asks the worker for the
 * original; the worker pushes the download's state back. Nothing here may throw into the page.
 */
import { isGoogleImagesUrl } from './google-domains.ts';
import { findPreview, findResults, type FoundResult } from './strategies/index.ts';
import { DownloadControl } from './control.ts';
import { CONTROL_CSS } from './styles.ts';
import { ExtensionGoneError, onWorkerMessage, sendToWorker } from '../platform/messaging.ts';
import { TabMessage } from '../shared/protocol.ts';

const RESULT_CLASS = 'semantest-result';

interface Decorated {
  control: DownloadControl;
  found: FoundResult;
}

class GoogleImagesPage {
  private readonly decorated = new WeakMap<Element, Decorated>();
  private readonly byImageUrl = new Map<string, Set<DownloadControl>>();
  private previewControl: { element: Element; control: DownloadControl } | null = null;
  private scheduled = false;
  private lastUrl = location.href;

  start(): void {
    const style = document.createElement('style');
    style.textContent = CONTROL_CSS;
    (document.head ?? document.documentElement).append(style);
    onWorkerMessage((message) => this.onMessage(message));
    new MutationObserver(() => this.schedule()).observe(document.documentElement, { childList: true, subtree: true });
    this.scan();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      guard(() => this.scan());
    });
  }

  private scan(): void {
    if (location.href !== this.lastUrl) this.lastUrl = location.href; // a new search made without a page load
    if (!isGoogleImagesUrl(location.href)) return;
    const added: string[] = [];
    for (const found of findResults(document)) {
      if (this.decorated.has(found.element)) continue;
      const control = this.makeControl(found, false);
      found.element.classList.add(RESULT_CLASS);
      found.element.append(control.element);
      this.decorated.set(found.element, { control, found });
      if (found.candidate) added.push(found.candidate.imageUrl);
    }
    this.scanPreview(added);
    if (added.length > 0) void this.restoreStates(added);
  }

  private scanPreview(added: string[]): void {
    const preview = findPreview(document);
    const current = this.previewControl;
    const sameImage = current && preview && current.element === preview.element && current.control.imageUrl === (preview.candidate?.imageUrl ?? null);
    if (sameImage && current.element.contains(current.control.element)) return;
    if (current) {
      current.control.element.remove();
      this.forget(current.control);
      this.previewControl = null;
    }
    if (!preview) return;
    const control = this.makeControl(preview, true);
    preview.element.classList.add(RESULT_CLASS);
    preview.element.append(control.element);
    this.previewControl = { element: preview.element, control };
    if (preview.candidate) added.push(preview.candidate.imageUrl);
  }

  private makeControl(found: FoundResult, preview: boolean): DownloadControl {
    const imageUrl = found.candidate?.imageUrl ?? null;
    const control = new DownloadControl(imageUrl, {
      preview,
      label: preview ? 'Download original' : 'Download original image',
      onActivate: (activated) => void this.activate(activated, found),
    });
    if (imageUrl) {
      const set = this.byImageUrl.get(imageUrl) ?? new Set<DownloadControl>();
      set.add(control);
      this.byImageUrl.set(imageUrl, set);
    } else {
      control.set('idle', found.problem ?? 'The original image could not be found on this result.');
    }
    return control;
  }

  private forget(control: DownloadControl): void {
    if (control.imageUrl) this.byImageUrl.get(control.imageUrl)?.delete(control);
  }

  private async activate(control: DownloadControl, found: FoundResult): Promise<void> {
    if (control.busy) return;
    if (!found.candidate) {
      control.set('failed', found.problem ?? 'The original image could not be found on this result.');
      return;
    }
    if (control.state === 'completed') {
      const streamId = control.element.dataset.streamId;
      if (streamId) await this.send({ type: 'download.show', streamId }, control);
      return;
    }
    this.setAll(found.candidate.imageUrl, (each) => each.set('queued'));
    const query = new URL(location.href).searchParams.get('q') ?? undefined;
    const response = await this.send(
      {
        type: 'download.request',
        commandId: crypto.randomUUID(),
        image: { ...found.candidate, ...(query ? { query } : {}), pageUrl: location.href },
      },
      control,
    );
    if (response?.ok && response.streamId) {
      this.setAll(found.candidate.imageUrl, (each) => (each.element.dataset.streamId = response.streamId));
    }
  }

  private async send(request: Parameters<typeof sendToWorker>[0], control: DownloadControl): Promise<Awaited<ReturnType<typeof sendToWorker>> | null> {
    try {
      const response = await sendToWorker(request);
      if (!response.ok) control.set('failed', response.error);
      return response;
    } catch (error) {
      control.set('failed', error instanceof ExtensionGoneError ? error.message : 'Semantest could not be reached. Try again.');
      return null;
    }
  }

  private async restoreStates(imageUrls: string[]): Promise<void> {
    try {
      const response = await sendToWorker({ type: 'download.states', imageUrls });
      if (response.ok) for (const update of response.updates ?? []) this.applyUpdate(update);
    } catch {
      // The controls stay idle; a click will say what is wrong.
    }
  }

  private onMessage(message: unknown): void {
    const parsed = TabMessage.safeParse(message);
    if (parsed.success) this.applyUpdate(parsed.data.update);
  }

  private applyUpdate(update: TabMessage['update']): void {
    this.setAll(update.imageUrl, (control) => {
      control.element.dataset.streamId = update.streamId;
      control.apply(update);
    });
  }

  private setAll(imageUrl: string, change: (control: DownloadControl) => void): void {
    for (const control of this.byImageUrl.get(imageUrl) ?? []) change(control);
  }
}

function guard(work: () => void): void {
  try {
    work();
  } catch (error) {
    // Never break Google's page: report and carry on.
    console.warn('Semantest:', error);
  }
}

guard(() => new GoogleImagesPage().start());
