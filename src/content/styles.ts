/** The control's look. Zero-specificity `:where` for the result so Google's own positioning wins. */
export const CONTROL_CSS = `
:where(.semantest-result){position:relative}
.semantest-ctl{all:initial;box-sizing:border-box;position:absolute;top:6px;right:6px;z-index:2147483000;display:flex;
 align-items:center;justify-content:center;gap:6px;min-width:32px;height:32px;padding:0 8px;border-radius:16px;
 background:rgba(32,33,36,.86);color:#fff;font:500 13px/1 system-ui,sans-serif;cursor:pointer;opacity:0;
 transition:opacity .12s;box-shadow:0 1px 3px rgba(0,0,0,.4)}
.semantest-ctl svg{width:18px;height:18px;fill:currentColor;flex:none}
.semantest-result:hover>.semantest-ctl,.semantest-result:focus-within>.semantest-ctl,.semantest-ctl:focus,
.semantest-ctl:not([data-state="idle"]),.semantest-ctl[data-offer="armed"],.semantest-ctl.semantest-preview{opacity:1}
.semantest-ctl:focus-visible{outline:2px solid #8ab4f8;outline-offset:2px}
.semantest-ctl[data-state="queued"],.semantest-ctl[data-state="downloading"]{background:rgba(26,115,232,.92);cursor:progress}
.semantest-ctl[data-state="completed"]{background:rgba(24,128,56,.92)}
.semantest-ctl[data-state="failed"]{background:rgba(197,34,31,.92)}
.semantest-ctl[data-offer]{background:rgba(176,96,0,.94)}
.semantest-ctl.semantest-preview{position:absolute;top:auto;bottom:12px;right:12px}
.semantest-ctl .semantest-progress{font-variant-numeric:tabular-nums}
.semantest-ctl[data-selected]{opacity:1;box-shadow:0 0 0 3px #8ab4f8}
.semantest-bar{all:initial;position:fixed;left:50%;bottom:16px;transform:translateX(-50%);z-index:2147483001;display:flex;
 gap:8px;align-items:center;padding:8px 12px;border-radius:20px;background:#202124;color:#fff;font:500 14px/1 system-ui,sans-serif;
 box-shadow:0 2px 8px rgba(0,0,0,.5)}
.semantest-bar[hidden]{display:none}
.semantest-bar button{all:initial;cursor:pointer;padding:8px 12px;border-radius:14px;background:#3c4043;color:#fff;font:inherit}
.semantest-bar button:focus-visible{outline:2px solid #8ab4f8}
.semantest-bar button[data-act="dl"]{background:#1a73e8}
`;
