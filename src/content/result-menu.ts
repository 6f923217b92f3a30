/**
 * A result's menu (issue 19 item 6; loaded on demand by the click path): open the original in a new tab, copy the
 * image, copy its address. Opened by a right-click on a result's control, or from the keyboard on a focused control
 * (the Menu key or Shift+F10); on a focused control O, C and A do the three at once. Like the controls, it acts only
 * on the user's own input: control.ts's shield passes on trusted clicks, right-clicks and key presses only, and
 * stops them all from reaching Google's handlers.
 */
import { t } from '../platform/content-i18n.ts';
import type { DownloadControl } from './control.ts';
import type { FoundCandidate } from './strategies/outcome.ts';
import type { WorkerResponse } from '../shared/protocol.ts';

export interface MenuHost<E> {
  control(entry: E): DownloadControl;
  /** The result's original now (null: none; its control says why). */
  original(entry: E): Promise<FoundCandidate | null>;
  /** Asks the worker for the original as PNG (`image.copy`). */
  copy(imageUrl: string): Promise<WorkerResponse>;
}

export interface ResultMenu<E> {
  /** A trusted click, right-click or key press on a result's control (`entry`) or on one of the menu's items. */
  event(button: HTMLButtonElement, event: Event, entry: E | undefined): void;
}

/** Keys on a focused control (and in the menu) that do an item's work at once. */
const KEYS: Readonly<Record<string, string>> = { o: 'open', c: 'copy', a: 'address' };
const ITEMS = [
  ['open', 'cMenuOpen', 'O'],
  ['copy', 'cMenuCopy', 'C'],
  ['address', 'cMenuAddress', 'A'],
] as const;

const CSS =
  '.semantest-menu{all:initial;position:fixed;z-index:2147483002;display:flex;flex-direction:column;min-width:220px;padding:6px 0;border-radius:8px;background:#202124;color:#fff;font:500 14px/1 system-ui,sans-serif;box-shadow:0 2px 10px #00000099;' +
  '& button{all:initial;display:flex;justify-content:space-between;gap:16px;padding:10px 14px;color:#fff;font:inherit;cursor:pointer;' +
  '&:hover,&:focus-visible{background:#3c4043;outline:none}' +
  '& kbd{font:inherit;opacity:.6}}}';

export function createResultMenu<E>(host: MenuHost<E>): ResultMenu<E> {
  let menu: HTMLElement | null = null;
  let owner: E | null = null;

  function close(refocus: boolean): void {
    const entry = owner;
    menu?.remove();
    menu = null;
    owner = null;
    removeEventListener('pointerdown', outside, true);
    if (refocus && entry) host.control(entry).element.focus();
  }

  function outside(event: Event): void {
    if (menu && !(event.target instanceof Node && menu.contains(event.target))) close(false);
  }

  function open(entry: E): void {
    close(false);
    const style = document.createElement('style');
    style.textContent = CSS;
    menu = document.createElement('div');
    menu.className = 'semantest-menu';
    menu.dataset.testid = 'semantest-menu';
    menu.setAttribute('role', 'menu');
    menu.setAttribute('aria-label', t('cMenu'));
    for (const [act, key, letter] of ITEMS) {
      const item = document.createElement('button');
      item.type = 'button';
      item.setAttribute('role', 'menuitem');
      item.dataset.act = act;
      item.dataset.testid = `semantest-menu-${act}`;
      item.tabIndex = -1;
      const label = document.createElement('span');
      label.textContent = t(key);
      const kbd = document.createElement('kbd');
      kbd.textContent = letter;
      item.append(label, kbd);
      menu.append(item);
    }
    menu.prepend(style);
    owner = entry;
    const box = host.control(entry).element.getBoundingClientRect();
    menu.style.top = `${Math.min(box.bottom + 4, innerHeight - 150)}px`;
    menu.style.left = `${Math.max(8, Math.min(box.right - 220, innerWidth - 228))}px`;
    document.body.append(menu);
    addEventListener('pointerdown', outside, true);
    (menu.querySelector('button') as HTMLButtonElement).focus();
  }

  /** Says a result on its control for a moment, then shows its size again. */
  function tell(control: DownloadControl, text: string): void {
    control.say(text);
    control.element.dataset.told = text;
    setTimeout(() => {
      if (control.element.dataset.told !== text) return;
      delete control.element.dataset.told;
      control.say(control.element.dataset.size ?? '');
    }, 2500);
  }

  async function run(act: string, entry: E): Promise<void> {
    const control = host.control(entry);
    const candidate = await host.original(entry);
    if (!candidate) return;
    const url = candidate.imageUrl;
    if (act === 'open') {
      open$(url);
      return;
    }
    try {
      if (act === 'address') await navigator.clipboard.writeText(url);
      else {
        // The clipboard takes a promise of the image now, while the user's click still counts (the bytes come later).
        const image = host.copy(url).then(async (response) => {
          if (!response.ok || !response.dataUrl) throw new Error(response.ok ? t('cCopyFailed') : response.error);
          return (await fetch(response.dataUrl)).blob();
        });
        await navigator.clipboard.write([new ClipboardItem({ 'image/png': image })]);
      }
      tell(control, t(act === 'address' ? 'cCopiedAddress' : 'cCopiedImage'));
    } catch (error) {
      const reason = error instanceof Error && error.message ? error.message : t('cCopyFailed');
      tell(control, t('cCopyFailed'));
      control.name(reason);
    }
  }

  function open$(url: string): void {
    window.open(url, '_blank', 'noopener,noreferrer');
  }

  function item(button: HTMLButtonElement, step: number): void {
    const items = [...(menu?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const at = items.indexOf(button);
    items[(at + step + items.length) % items.length]?.focus();
  }

  const report = (error: unknown): void => console.warn('Semantest:', error);

  return {
    event(button, event, entry) {
      const inMenu = !!menu && menu.contains(button);
      if (inMenu && owner !== null) {
        const target = owner;
        if (event.type === 'click') {
          close(true);
          void run(button.dataset.act ?? '', target).catch(report);
        } else if (event instanceof KeyboardEvent) {
          const act = KEYS[event.key.toLowerCase()];
          if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
            event.preventDefault();
            item(button, event.key === 'ArrowDown' ? 1 : -1);
          } else if (event.key === 'Escape' || event.key === 'Tab') {
            if (event.key === 'Escape') event.preventDefault();
            close(event.key === 'Escape');
          } else if (act) {
            close(true);
            void run(act, target).catch(report);
          }
        }
        return;
      }
      if (entry === undefined) return;
      if (event.type === 'contextmenu') open(entry);
      else if (event instanceof KeyboardEvent && !event.ctrlKey && !event.metaKey && !event.altKey) {
        if (event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey)) {
          event.preventDefault();
          open(entry);
        } else if (KEYS[event.key.toLowerCase()] && !event.shiftKey) void run(KEYS[event.key.toLowerCase()] as string, entry).catch(report);
      }
    },
  };
}
