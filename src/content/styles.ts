/**
 * The 2024+ layout's result hook: a result with it is positioned for its control by the style sheet alone
 * (`:has`), so placing a control is ONE write, the control (a class on the result as well was about half of the
 * content script's time on a 1,000-result page). Any other element with a control (older layouts' results, the
 * basic layout's cells, the preview) gets the class `semantest-result` (a longer list here costs bytes every page
 * loads). `:has` only on elements with the hook: a universal `:has()` cost the page's style recalculation more
 * than the class did. `isolation:isolate` makes each result its own stacking context, so a control (whatever its
 * z-index) is painted inside its result and never over Google's sticky header, preview panel, menus or dialogs
 * (issue 18; checked on the real 2024 page by test/e2e/real-pages-manners.spec.ts).
 */
export const HOOKED = '[jsname=dTDiAc]';

/**
 * The control's look; its icon (a 24x24 path) is its `--i`, drawn as a mask in the text colour (control-state.ts
 * sets the other states' icons the same way). Zero-specificity `:where` for the result so Google's own
 * positioning wins. Written with CSS nesting (Chrome 120, the manifest's minimum) and without line breaks: every
 * byte here ships in the content script (issue 4's bundle budget).
 */
export const CONTROL_CSS =
  `:where(${HOOKED}:has(>.semantest-ctl),.semantest-result){position:relative;isolation:isolate}` +
  '.semantest-ctl{all:initial;box-sizing:border-box;position:absolute;top:6px;right:6px;z-index:2147483000;display:flex;align-items:center;justify-content:center;gap:6px;min-width:32px;height:32px;padding:0 8px;border-radius:16px;background:#202124db;color:#fff;font:500 13px/1 system-ui,sans-serif;cursor:pointer;opacity:0;box-shadow:0 1px 3px #0006;' +
  `--i:url("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'><path d='M5 20h14v-2H5v2zm7-18-1.4 1.4L11 4v9.2l-3.6-3.6L6 11l6 6 6-6-1.4-1.4-3.6 3.6V4l.4-.6z'/></svg>")` +
  ';&::before{content:"";width:18px;height:18px;flex:none;background:currentColor;mask:var(--i) center/contain no-repeat}' +
  ':hover>&,:focus-within>&,&:focus,&:not([data-state=idle]),&[data-offer=armed],&.semantest-preview{opacity:1}' +
  '&:focus-visible{outline:2px solid #8ab4f8;outline-offset:2px}' +
  '&[data-offer]{background:#b06000f0}' +
  '&.semantest-preview{top:auto;bottom:12px;right:12px}' +
  '& .semantest-progress{font-variant-numeric:tabular-nums}}';
