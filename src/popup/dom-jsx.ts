/**
 * A JSX runtime that builds DOM nodes directly, for the popup's first-screen script (first-screen.tsx): it draws
 * the popup's PURE view components (view.tsx, rows.tsx, windowed-rows.tsx) without preact, so the first rows are on
 * screen before the app's script is even loaded. The build (scripts/vite-popup-head.ts) maps `preact/jsx-runtime`
 * to this module for that script only.
 *
 * It must give the same DOM that preact's first render gives for the same props, node for node, because preact
 * then takes the nodes over in place (render() into a container that has children reuses them and patches what
 * differs): same elements, same attributes, one text node per string child. So it follows preact's rules: `on*`
 * handlers, `key` and `ref` are left to preact; `style` objects set style properties; `value` is the property;
 * `false`/null/undefined children draw nothing; aria-* and data-* keep `false` as "false"; other attributes with
 * `false`/null are left out. Function components are called with their props (they must not use hooks).
 */
type Props = Record<string, unknown> & { children?: unknown };
type Component = (props: Props) => unknown;

export const Fragment = (props: Props): unknown => props.children;

function append(parent: Node, child: unknown): void {
  if (child === null || child === undefined || typeof child === 'boolean') return;
  if (Array.isArray(child)) {
    for (const item of child) append(parent, item);
    return;
  }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
}

function setAttribute(element: HTMLElement, name: string, value: unknown): void {
  if (name === 'children' || name === 'ref' || name === 'key' || name === 'value' || name.startsWith('on')) return;
  if (name === 'style') {
    if (typeof value === 'string') element.style.cssText = value;
    else if (value && typeof value === 'object') for (const [key, part] of Object.entries(value)) element.style.setProperty(key.startsWith('-') ? key : key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), String(part));
    return;
  }
  if (value === null || value === undefined) return;
  if (value === false && name[4] !== '-') return;
  element.setAttribute(name, String(value));
}

export function jsx(type: string | Component, props: Props): unknown {
  if (typeof type === 'function') return type(props);
  const element = document.createElement(type);
  for (const name in props) setAttribute(element, name, props[name]);
  append(element, props.children);
  // After the children, as preact does: a <select>'s value needs its options.
  if ('value' in props && props.value !== undefined && props.value !== null) (element as HTMLInputElement).value = String(props.value);
  return element;
}

export const jsxs = jsx;
export const jsxDEV = jsx;

/** Draws `tree` (the result of JSX) into `parent`, replacing what it held. */
export function draw(parent: Element, tree: unknown): void {
  const fragment = document.createDocumentFragment();
  append(fragment, tree);
  parent.replaceChildren(fragment);
}
