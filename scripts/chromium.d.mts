import type { BrowserContext, Worker } from 'playwright-core';

export const QUIET_FLAGS: string[];
export const LOCAL_HOST_FLAGS: string[];
export const GOOGLE_PAGE: RegExp;
export function chromiumPath(): string | undefined;
export interface Launched {
  context: BrowserContext;
  worker: Worker;
  extensionId: string;
  manifest: { action: { default_popup: string }; options_ui?: { page: string }; options_page?: string; [key: string]: unknown };
}
export function launchWithExtension(options: {
  distDir: string;
  userDataDir: string;
  downloadDir: string;
  headless: boolean;
  localHosts?: boolean;
  args?: string[];
}): Promise<Launched>;
export function routeGooglePages(context: BrowserContext, htmlFor: (url: URL) => string): Promise<void>;
