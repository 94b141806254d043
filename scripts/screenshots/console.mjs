// A staff member's day in the console (served by dioxus-liveview), in headless Chromium at
// 1440×900: the queue, an assignment, a batch of confirmations, a dispute decided with its
// preview, a suspension and a reinstatement, the week's payouts run, read, exported, sent and
// cleared, a pro's file, the catalogue, money and records. Started by mobile-app/tests/screenshots.rs with the
// plan it seeded; saves console-*.png.
import { button, label, launch, openApp, readPlan, shot as saveShot, signIn } from './browser.mjs';

const plan = readPlan();
const browser = await launch();
const shot = (page, name) => saveShot(plan, page, `console-${name}`);

let page;
try {
  page = await openApp(browser, plan, { width: 1440, height: 900 });
  await signIn(plan, page, plan.staff);
  await page.getByText(/items wait for staff\./).waitFor();
  await shot(page, '01-queue');

  // Assignments: the plumbing request, its two applicants side by side; the cheaper one wins.
  await page.getByRole('region', { name: 'Applications to assign' }).getByRole('button', { name: 'Open' }).click();
  await button(page, 'Assign to Drain Doctors').waitFor();
  await shot(page, '02-assignments');
  await button(page, 'Assign to Drain Doctors').click();
  await page.getByText(/^Assigned to Drain Doctors at \$280\.00 CAD\./).waitFor();
  await shot(page, '03-assigned');

  // Confirmations: select all, confirm, read each outcome.
  await button(page, 'Confirmations').click();
  await label(page, 'Select all').check();
  await button(page, 'Confirm 2 selected').waitFor();
  await shot(page, '04-confirmations');
  await button(page, 'Confirm 2 selected').click();
  await page.getByText('Nothing to confirm').waitFor();
  await shot(page, '05-confirmed');

  // The dispute: read both sides, preview a partial refund, decide.
  await button(page, 'Disputes').click();
  await page.getByText(/The oven and the windows were not cleaned/).click();
  await page.getByText('The customer says').waitFor();
  await page.getByText('Refund part of it').click();
  await label(page, 'Refund (CAD)').fill('50');
  await label(page, 'Note to both sides').fill('The photos show the windows were skipped: 50.00 back, the rest to the pro.');
  await page.getByRole('button', { name: /^Confirm: \$50\.00 CAD back/ }).waitFor();
  await shot(page, '06-dispute-preview');
  await page.getByRole('button', { name: /^Confirm: \$50\.00 CAD back/ }).click();
  await page.getByText('Decided').waitFor();
  await shot(page, '07-dispute-decided');

  // Monitoring: a note, a suspension, then a reinstatement from the suspended list.
  await button(page, 'Monitoring').click();
  await page.getByText('Casey Customer').first().waitFor();
  await page.getByRole('region', { name: 'Casey Customer' }).getByLabel('Note').fill('Three pros reported abuse this month.');
  await shot(page, '08-monitoring');
  await button(page, 'Suspend account').click();
  await page.getByText('Nobody here').waitFor();
  await page.getByRole('tab', { name: 'Suspended' }).click();
  await button(page, 'Reinstate account').waitFor();
  await page.getByRole('region', { name: 'Casey Customer' }).getByLabel('Note').fill('Apologised to the pros; second chance.');
  await shot(page, '09-suspended');
  await button(page, 'Reinstate account').click();
  await page.getByText('Nobody here').waitFor();
  await button(page, 'Queue').click();
  await page.getByText(/waits? for staff\./).waitFor();
  await shot(page, '10-queue-after');

  // Payouts: run the week, read a statement, export the run, mark the cheque sent and cleared.
  await button(page, 'Payouts').click();
  await button(page, "Run this week's payouts").click();
  await page.getByText(/payouts? made/).waitFor();
  await shot(page, '11-payouts');
  await page.getByRole('button', { name: 'Statement for Fixit Plumbing' }).click();
  await page.getByText('Remittance statement').waitFor();
  await shot(page, '12-statement');
  await button(page, 'Back').click();
  await page.getByRole('button', { name: /^Export week / }).click();
  await page.getByRole('link', { name: /^Save payouts-.*-pending\.csv/ }).waitFor();
  await page.getByRole('button', { name: 'Mark sent: Fixit Plumbing' }).click();
  await page.getByText(/marked sent\./).waitFor();
  await page.getByRole('tab', { name: 'Sent' }).click();
  await page.getByRole('button', { name: 'Mark cleared: Fixit Plumbing' }).click();
  await page.getByText(/marked cleared\./).waitFor();
  await page.getByRole('tab', { name: 'Cleared' }).click();
  await page.getByText('Fixit Plumbing').first().waitFor();
  await shot(page, '13-payout-cleared');

  // Partners: find Fixit, open the file.
  await button(page, 'Partners').click();
  await label(page, 'Business name or email').fill('fixit');
  await button(page, 'Search').click();
  await button(page, 'Fixit Plumbing').click();
  await page.getByText(/^Ratings received/).waitFor();
  await shot(page, '14-partner-file');

  // The catalogue, money and records.
  await button(page, 'Catalogue').click();
  await page.getByRole('button', { name: /^Edit / }).first().click();
  await button(page, 'Save category').waitFor();
  await shot(page, '15-catalogue');
  await button(page, 'Money').click();
  await page.getByText(/^Balanced:/).waitFor();
  await shot(page, '16-money');
  await button(page, 'Records').click();
  await label(page, 'Action starts with').fill('payout.');
  await button(page, 'Filter').click();
  await page.getByText('payout.cleared').waitFor();
  await shot(page, '17-records');
} catch (error) {
  if (page) await page.screenshot({ path: `${plan.out}/failed-step.png` });
  throw error;
} finally {
  await browser.close();
}
