/**
 * The control's look. Zero-specificity `:where` for the result so Google's own positioning wins. Written with
 * CSS nesting (Chrome 120, the manifest's minimum) and without line breaks: every byte here ships in the content
 * script (issue 4's bundle budget).
 */
export const CONTROL_CSS =
  ':where(.semantest-result){position:relative}' +
  '.semantest-ctl{all:initial;box-sizing:border-box;position:absolute;top:6px;right:6px;z-index:2147483000;display:flex;align-items:center;justify-content:center;gap:6px;min-width:32px;height:32px;padding:0 8px;border-radius:16px;background:#202124db;color:#fff;font:500 13px/1 system-ui,sans-serif;cursor:pointer;opacity:0;transition:opacity .12s;box-shadow:0 1px 3px #0006;' +
  '& svg{width:18px;height:18px;fill:currentColor;flex:none}' +
  '.semantest-result:hover>&,.semantest-result:focus-within>&,&:focus,&:not([data-state=idle]),&[data-offer=armed],&.semantest-preview{opacity:1}' +
  '&:focus-visible{outline:2px solid #8ab4f8;outline-offset:2px}' +
  '&[data-state=queued],&[data-state=downloading]{background:#1a73e8eb;cursor:progress}' +
  '&[data-state=completed]{background:#188038eb}' +
  '&[data-state=failed]{background:#c5221feb}' +
  '&[data-offer]{background:#b06000f0}' +
  '&.semantest-preview{top:auto;bottom:12px;right:12px}' +
  '& .semantest-progress{font-variant-numeric:tabular-nums}}';
