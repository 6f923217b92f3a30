// @vitest-environment happy-dom
/**
 * A control acts only on the user's own input (issue 17): a page script's `click()` or dispatched event starts
 * nothing. happy-dom cannot make a trusted event, so the check is injected here to say which events are the
 * user's; the real `isTrusted` is proven in Chromium (test/e2e/real-pages-trusted.spec.ts).
 */
import './strategies-i18n.ts';
import { describe, expect, it } from 'vitest';
import { Window } from 'happy-dom';
import { newButton, shieldControls } from '../../src/content/control.ts';

/** A page of its own (a window of its own: the shield's listeners stay for a page's life) with one control. */
function page() {
  const win = new Window() as unknown as typeof globalThis.window;
  const button = win.document.importNode(newButton(), true);
  const result = win.document.createElement('div');
  result.append(button);
  win.document.body.append(result);
  const activated: string[] = [];
  const google: string[] = [];
  win.document.addEventListener('click', () => google.push('click'));
  win.document.addEventListener('mousedown', () => google.push('mousedown'));
  const event = (type: string) => new win.MouseEvent(type, { bubbles: true });
  return { win, button, activated, google, event };
}

describe('trusted input only', () => {
  it('activates on the user’s click, and on nothing a script makes; Google sees neither', () => {
    const user = new WeakSet<Event>();
    const { win, button, activated, google, event } = page();
    shieldControls(win, (_button, clicked) => activated.push(clicked.type), (clicked) => user.has(clicked));
    const real = event('click');
    user.add(real);
    button.dispatchEvent(real);
    button.dispatchEvent(event('click'));
    button.click();
    button.dispatchEvent(event('mousedown'));
    expect(activated).toEqual(['click']);
    expect(google).toEqual([]);
  });

  it('by default asks the event itself (isTrusted), which no script can set', () => {
    const { win, button, activated, google, event } = page();
    shieldControls(win, (_button, clicked) => activated.push(clicked.type));
    button.click();
    button.dispatchEvent(event('click'));
    expect(activated).toEqual([]);
    expect(google).toEqual([]);
  });
});
