// What both browser runs share: headless Chromium, finding controls by their accessible names,
// and saving a screenshot per screen into the plan's folder.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';

/** The plan the Rust test seeded (accounts, ids, addresses), from the file named on the command line. */
export function readPlan() {
  const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  mkdirSync(plan.out, { recursive: true });
  return plan;
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A stand-in for the phone shell's push bridge (mobile-app/platform): notifications not asked
 * yet; allowed when the app asks; then a token. Lets the browser run show and use the app's
 * "Turn on alerts" card as a phone would.
 */
const PHONE_SHELL = `
window.PorchlightPushNative = {
  allowed: null,
  call(op, id) {
    const answer = (value) => setTimeout(() => window.__porchlightPush.resolve(id, value), 10);
    if (op === 'ready') return;
    if (op === 'permission') return answer(this.allowed === null ? 'prompt' : (this.allowed ? 'granted' : 'denied'));
    if (op === 'request_permission') { this.allowed = true; return answer('granted'); }
    if (op === 'token') return answer(this.allowed ? 'fcm-token-from-the-shell' : null);
    answer(null);
  },
};`;

/** A new tab of `viewport` in Toronto, on the app's sign-in screen (with `shell`, as in the phone's shell). */
export async function openApp(browser, plan, viewport, { shell = false } = {}) {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    timezoneId: 'America/Toronto',
    locale: 'en-CA',
    // A phone downtown (Richmond St W at Bay) that lets the app read its location.
    geolocation: { latitude: 43.6506, longitude: -79.3846 },
    permissions: ['geolocation'],
  });
  if (shell) await context.addInitScript(PHONE_SHELL);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(plan.app);
  await button(page, 'Sign in').waitFor();
  return page;
}

export const button = (page, name) => page.getByRole('button', { name, exact: true });
export const label = (page, text) => page.getByLabel(text, { exact: true });

export async function shot(plan, page, name) {
  await page.waitForTimeout(200);
  await page.screenshot({ path: `${plan.out}/${name}.png` });
  console.log(`screenshot ${name}`);
}

export async function signIn(plan, page, email) {
  await label(page, 'Email').fill(email);
  await label(page, 'Password').fill(plan.password);
  await button(page, 'Sign in').click();
}
