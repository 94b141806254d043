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

/** A new tab of `viewport` in Toronto, on the app's sign-in screen. */
export async function openApp(browser, plan, viewport) {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    timezoneId: 'America/Toronto',
    locale: 'en-CA',
    // A phone downtown (Richmond St W at Bay) that lets the app read its location.
    geolocation: { latitude: 43.6506, longitude: -79.3846 },
    permissions: ['geolocation'],
  });
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
