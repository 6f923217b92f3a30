/**
 * Folder and file-name templates: `Semantest/{query}/{site}` and `{index:03}-{name}`. Every token's value is made
 * safe on its own before it is put in (it can never add a `/`, a `..`, a reserved name or a control character);
 * `/` is only ever the template's own separator, and each folder segment is then made safe once more as a whole
 * (docs/decisions/0045-path-templates.md).
 */
import { sanitizeBaseName, truncateUtf8 } from './safe-name.ts';

export const TEMPLATE_TOKENS = ['name', 'title', 'site', 'date', 'query', 'index', 'width', 'height'] as const;
export type TemplateToken = (typeof TEMPLATE_TOKENS)[number];
export type TemplateValues = Partial<Record<TemplateToken, string | number | undefined>>;

/** `{token}` or `{index:03}` (zero-padded to the width written). */
const TOKEN = /\{(name|title|site|date|query|index|width|height)(?::(0?\d{1,2}))?\}/g;
/** A value never takes more than this of a 255-byte segment. */
const MAX_VALUE_BYTES = 120;
/** Folders a template may make (the file's own segment comes on top). */
export const MAX_FOLDER_SEGMENTS = 8;

/**
 * One token's value, safe to put anywhere in a path segment: no separator, nothing that could be read as a
 * path of its own (`.`, `..`, a leading `~`), no control or reserved characters; '' when nothing is left.
 */
export function tokenValue(raw: string | number | undefined): string {
  if (raw === undefined) return '';
  return truncateUtf8(sanitizeBaseName(String(raw), ''), MAX_VALUE_BYTES).replace(/[.\s]+$/, '');
}

/** Fills the tokens of one template with safe values; unknown `{…}` stay as written (and are sanitised as text). */
export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(TOKEN, (_match, token: TemplateToken, pad: string | undefined) => {
    const value = tokenValue(values[token]);
    if (token === 'index' && pad && /^\d+$/.test(value)) return value.padStart(Number(pad), '0');
    return value;
  });
}

/** The folder a template gives: filled, split on its own separators, each segment made safe; '' for none. */
export function folderFromTemplate(template: string, values: TemplateValues): string {
  return template
    .split(/[\\/]+/)
    .map((segment) => fillTemplate(segment, values).trim())
    .filter((segment) => segment && segment !== '.' && segment !== '..')
    .map((segment) => sanitizeBaseName(segment, 'folder'))
    .slice(0, MAX_FOLDER_SEGMENTS)
    .join('/');
}

/**
 * Why `template` is not a folder template the user could have typed, or null. A Google page's folder choice
 * passes only this (or is one of the user's recent folders): it can name no folder outside the download folder,
 * none with a reserved or hidden name, and no token the worker does not know.
 */
export function folderTemplateProblem(template: string): string | null {
  if (template.length > 200) return 'The folder is longer than 200 characters.';
  const segments = template.split('/');
  if (template.trim() === '') return null; // the download folder itself
  if (segments.length > MAX_FOLDER_SEGMENTS) return `The folder has more than ${MAX_FOLDER_SEGMENTS} levels.`;
  for (const segment of segments) {
    if (segment.trim() === '' || segment === '.' || segment === '..') return 'The folder has an empty, "." or ".." part.';
    for (const unknown of segment.matchAll(/\{([^{}]*)\}/g)) {
      if (!new RegExp(`^${TOKEN.source}$`).test(unknown[0])) return `"${unknown[0]}" is not a token (use ${TEMPLATE_TOKENS.map((t) => `{${t}}`).join(', ')}).`;
    }
    const literal = segment.replace(TOKEN, 'x');
    if (sanitizeBaseName(literal, '') !== literal) return `"${segment}" is not a safe folder name (no <>:"\\|?*, no leading dot or space, no trailing dot or space, no reserved name).`;
  }
  return null;
}
