// Clicks through the app (served by dioxus-liveview) as a new pro, an established pro and a
// customer, in headless Chromium at 390×844, saving a PNG per screen. Started by
// mobile-app/tests/screenshots.rs with the plan (accounts, ids, addresses) it seeded.
import { fileURLToPath } from 'node:url';
import { button, label, launch, openApp, readPlan, shot as saveShot, signIn as signInAs } from './browser.mjs';

/** A phone photo of a stippled ceiling, picked from the library. */
const ceilingPhoto = fileURLToPath(new URL('./ceiling.jpg', import.meta.url));

const plan = readPlan();
const browser = await launch();

const phone = () => openApp(browser, plan, { width: 390, height: 844 });
const shot = (page, name) => saveShot(plan, page, name);
const signIn = (page, email) => signInAs(plan, page, email);

/** Another pro's phone, straight on the API. */
async function api(path, token, body) {
  const response = await fetch(`${plan.api}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

let page;
try {
  // --- a new pro signs up on their phone, onboards and turns job alerts on ---
  page = await openApp(browser, plan, { width: 390, height: 844 }, { shell: true });
  await shot(page, '01-sign-in');
  await button(page, 'New here? Create an account').click();
  await page.getByText('Find jobs as a pro').click();
  await label(page, 'Your name').fill('Ridgeline Roofing');
  await label(page, 'Email').fill(plan.new_pro_email);
  await label(page, 'Password').fill(plan.password);
  await shot(page, '02-sign-up');
  await button(page, 'Create account').click();
  await page.getByText('Tell customers who you are').waitFor();
  await label(page, 'Business name').fill('Ridgeline Roofing');
  await label(page, 'About your work').fill('Roof repairs and replacements across the city. Free estimates.');
  await page.getByText('Roofing', { exact: true }).click();
  await label(page, 'Where you work from').pressSequentially('M6G', { delay: 50 });
  await button(page, 'M6G, Christie, Toronto').waitFor();
  await shot(page, '03-onboarding');
  await button(page, 'M6G, Christie, Toronto').click();
  await button(page, 'Start getting leads').click();
  await page.getByText('No leads yet').waitFor();
  await page.getByText('Live: new leads appear here').waitFor();
  await page.getByText('Get job alerts on this phone').waitFor();
  await shot(page, '04-leads-alerts');
  await button(page, 'Turn on alerts').click();
  await page.getByText('Get job alerts on this phone').waitFor({ state: 'detached' });
  await shot(page, '04-leads-empty');

  // --- an established pro: the inbox, a quote, a lost race, jobs, wallet, ratings ---
  page = await phone();
  await signIn(page, plan.sparkle);
  await page.getByText('Waiting for you').waitFor();
  await shot(page, '05-lead-inbox');
  await page.getByRole('button', { name: /^Open lead: Painting/ }).click();
  await page.getByText('Apply with a quote').waitFor();
  await label(page, 'Your quote').fill('850');
  await label(page, 'Message to the customer').fill('Two coats, paint included. I can start tomorrow afternoon.');
  await shot(page, '06-lead-quote');
  await button(page, 'Send quote').click();
  await page.getByText(/^Quote sent\./).waitFor();
  // A question before the customer chooses: the number is masked until the pro is hired.
  await button(page, 'Ask the customer a question').click();
  await label(page, 'Your message').fill('Are the ceilings textured? Text me a photo at 416-555-0142.');
  await button(page, 'Send').click();
  await page.getByText('Are the ceilings textured? Text me a photo at [contact details hidden].').waitFor();
  await shot(page, '06-conversation-pre-hire');
  await button(page, 'Back').click();
  await button(page, 'Back').click();
  await page.getByRole('button', { name: /^Open lead: Home cleaning/ }).first().click();
  await button(page, 'Confirm: take this job').waitFor();
  await shot(page, '07-lead-confirm');
  // Maple Home Services confirms the same lead first, from its own phone.
  const maple = await api('/v1/auth/login', null, { email: plan.maple, password: plan.password });
  const assignment = await api(`/v1/leads/${plan.maple_lead}/confirm`, maple.access_token, {});
  await button(page, 'Confirm: take this job').click();
  await page.getByText('Taken by another pro: they confirmed first.').waitFor();
  await shot(page, '08-lead-taken');
  await button(page, 'Jobs').click();
  await page.getByText('Home cleaning · Toronto').waitFor();
  await shot(page, '09-jobs');
  await page.getByText('Home cleaning · Toronto').click();
  await page.getByText('Timeline').waitFor();
  await shot(page, '10-job-pro');
  await button(page, 'Wallet').click();
  await page.getByText('Earned so far').waitFor();
  await shot(page, '11-wallet');
  await button(page, 'Ratings').click();
  await page.getByText('Spotless, on time').waitFor();
  await shot(page, '12-ratings');
  await button(page, 'More').click();
  await page.getByText('Accepting new leads').waitFor();
  await shot(page, '13-more');
  await button(page, 'Connections').click();
  await page.getByText('Profile views').waitFor();
  await shot(page, '14-connections');

  // Maple proposes a time for the job it won.
  await api(`/v1/jobs/${assignment.job_id}/proposals`, maple.access_token, { slots: [plan.maple_slot] });

  // --- the customer: find a pro, ask for a quote, book, sign, pay ---
  page = await phone();
  await signIn(page, plan.casey);
  await page.getByText('Where do you need work done?').waitFor();
  await label(page, 'Address or postal code').pressSequentially('leslie', { delay: 50 });
  await button(page, 'M4M, Leslieville / Studio District, Toronto').waitFor();
  await shot(page, '15-discover-where');
  await button(page, 'Use my location').click();
  await page.getByText('Near M5H, Richmond / Adelaide / King, Toronto').waitFor();
  await button(page, 'Home cleaning').click();
  await page.getByText('Sparkle Cleaning').waitFor();
  await shot(page, '15-discover');
  await page.getByRole('button', { name: 'Open Sparkle Cleaning' }).click();
  await button(page, 'Get a Quote').waitFor();
  await shot(page, '16-pro-profile');
  await button(page, 'Get a Quote').click();
  await label(page, 'Describe the job').waitFor();
  await label(page, 'Category').selectOption('cleaning');
  await button(page, 'Ask for a quote').click();
  await page.getByText('Please check the highlighted fields.').waitFor();
  await label(page, 'Describe the job').scrollIntoViewIfNeeded();
  await shot(page, '17-request-field-errors');
  await button(page, 'Requests').click();
  await page.getByText(/^Move-out clean/).waitFor();
  await shot(page, '18-requests');
  await page.getByText(/^Apartment move/).click();
  await button(page, 'Try other times').click();
  await label(page, 'Date').waitFor();
  await shot(page, '18-request-unfilled');
  await button(page, 'Back').click();
  await page.getByText(/^Move-out clean/).click();
  await page.getByText('Your pro').waitFor();
  await shot(page, '19-request-status');
  await button(page, 'Open the job').click();
  await page.getByText('Pick a time').waitFor();
  await shot(page, '20-job-pick-time');
  await page.getByRole('button', { name: /^Book / }).first().click();
  await label(page, 'Your full name').waitFor();
  await label(page, 'Your full name').fill('Casey Morgan');
  await shot(page, '21-job-sign');
  await button(page, 'Sign').click();
  await page.getByRole('button', { name: /^Pay / }).waitFor();
  await shot(page, '22-job-pay');
  // Paying opens the secure payment page in a new tab; the card is typed there, not in the app.
  const [payPage] = await Promise.all([
    page.waitForEvent('popup'),
    page.getByRole('button', { name: /^Pay / }).click(),
  ]);
  await payPage.setViewportSize({ width: 390, height: 844 });
  await label(payPage, 'Card number').fill('4242 4242 4242 4242');
  await label(payPage, 'Expiry (MM/YY)').fill('12/30');
  await label(payPage, 'CVC').fill('123');
  await shot(payPage, '22-payment-page');
  await payPage.getByRole('button', { name: /^Pay / }).click();
  // The page sends the browser back to the app's job link (the public site here, offline).
  await payPage.waitForURL(/\/jobs\//, { waitUntil: 'commit' }).catch(() => {});
  await payPage.close();
  // The job screen follows the payment live: paid, with its receipt.
  await page.getByText(/^Receipt · PL-/).waitFor();
  await page.getByText(/^Receipt · PL-/).scrollIntoViewIfNeeded();
  await shot(page, '23-job-paid');
  await button(page, 'Alerts').click();
  await page.getByText('Mark all as read').waitFor();
  await shot(page, '24-notifications');
  await button(page, 'Messages').click();
  await page.getByRole('button', { name: 'Open conversation with Sparkle Cleaning' }).click();
  await label(page, 'Your message').fill('Yes, a light stipple. Here it is.');
  // The photo is picked, uploaded at once, and shown waiting before it is sent.
  await page.setInputFiles('#field-message-photos', ceilingPhoto);
  await page.getByRole('list', { name: 'Photos to send' }).locator('img').waitFor();
  await button(page, 'Send').click();
  await page.getByText('Yes, a light stipple. Here it is.').waitFor();
  await page.locator('.chat-own .photo-strip img').waitFor();
  // The thumbnail is the API's re-encoded copy, loaded through its signed link.
  await page.waitForFunction(() => {
    const img = document.querySelector('.chat-own .photo-strip img');
    return img && img.complete && img.naturalWidth > 0;
  });
  await shot(page, '24-conversation');

  // --- account emails: a confirmation link, a forgotten password, a reset link ---
  page = await phone();
  await page.goto(plan.verify_link);
  await page.getByText(/is confirmed\. Thank you!$/).waitFor();
  await shot(page, '25-email-confirmed');
  page = await phone();
  await button(page, 'Forgot your password?').click();
  await button(page, 'Email me a link').waitFor();
  await label(page, 'Email').fill(plan.casey);
  await button(page, 'Email me a link').click();
  await page.getByText(/^If an account uses /).waitFor();
  await shot(page, '26-forgot-password');
  await page.goto(plan.reset_link);
  await label(page, 'New password').fill('a much better password');
  await label(page, 'The same again').fill('a much better password');
  await shot(page, '27-reset-password');

  // --- the account page: name, phone, devices, one's data ---
  page = await phone();
  await signIn(page, plan.casey);
  await button(page, 'More').click();
  await button(page, 'Your account: name, phone, devices, data').click();
  await page.getByText('Signed-in devices').waitFor();
  await label(page, 'Your number').waitFor();
  await label(page, 'Your number').fill('+1 416 555 0142');
  await button(page, 'Text me a code').click();
  await page.getByText('We texted a code to +14165550142.').waitFor();
  await shot(page, '28-account');
  await button(page, 'Download my data').click();
  await page.getByText(/^Save porchlight-data-/).waitFor();
  await button(page, 'Sign out everywhere').scrollIntoViewIfNeeded();
  await shot(page, '29-account-data');
} catch (error) {
  // What the screen showed when a step failed, to see why.
  if (page) await page.screenshot({ path: `${plan.out}/failed-step.png` });
  throw error;
} finally {
  await browser.close();
}
