import type { Browser, Page } from 'puppeteer-core';
export const EXTENSION_UUID: string;
export function firefoxPath(): string | undefined;
export function launchFirefoxWithExtension(options: { distDir: string; downloadDir: string; headless: boolean }): Promise<{
  browser: Browser;
  addonId: string;
  origin: string;
  manifest: { action: { default_popup: string }; options_ui?: { page: string }; browser_specific_settings: { gecko: { id: string } } };
}>;
export function openExtensionPage(browser: Browser, url: string): Promise<Page>;
export const GOOGLE_PAGE: RegExp;
export function routeGooglePages(page: Page, htmlFor: (url: URL) => string, allow: (url: string) => boolean): Promise<void>;
