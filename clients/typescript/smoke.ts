// A customer's first steps, through the TypeScript client generated from openapi.yaml
// (openapi-typescript's types for openapi-fetch).
//
//   node dist/smoke.js BASE_URL SERVER_LOG
//
// Registers a customer, confirms the email address with the link the service wrote to its log
// (SERVER_LOG; without SMTP_URL account emails go there), signs in, reads the account, lists the
// categories, asks for work, reads the request back, lists the customer's requests, and checks
// that two invalid requests are refused with a problem document whose `code` is an `ErrorCode`.
// Prints a line per step; exits 1 at the first mismatch.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

import createClient from "openapi-fetch";

import { errorCodeValues, type components, type paths } from "./generated/schema.js";

type ProblemDetails = components["schemas"]["ProblemDetails"];
type ServiceRequestInput = components["schemas"]["ServiceRequestInput"];

const PASSWORD = "smoke test password";

class Mismatch extends Error {}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Mismatch(what);
}

/** What openapi-fetch returns: the body when `response` has `status`, else a mismatch. */
function expect<T>(
  result: { data?: T; error?: unknown; response: Response },
  status: number,
  step: string,
): T {
  if (result.response.status !== status || result.data === undefined) {
    const body = JSON.stringify(result.error ?? result.data).slice(0, 500);
    throw new Mismatch(`${step}: expected ${status}, got ${result.response.status}: ${body}`);
  }
  return result.data;
}

/** The token of the confirmation link the service logged for `email`. */
async function verificationToken(logPath: string, email: string): Promise<string> {
  const pattern = /verify-email\?token=(plv_[A-Za-z0-9_-]+)/;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const line of readFileSync(logPath, "utf8").split("\n")) {
      const found = pattern.exec(line);
      if (line.includes(email) && found?.[1]) return found[1];
    }
    await sleep(100);
  }
  throw new Mismatch(`no confirmation link for ${email} in ${logPath}`);
}

/** `result` must be a 422 problem document naming `field`, with a documented code. */
function refused(
  result: { error?: ProblemDetails; response: Response },
  step: string,
  field: string,
): ProblemDetails {
  const problem = result.error;
  check(result.response.status === 422 && problem !== undefined, `${step}: got ${result.response.status}`);
  const contentType = result.response.headers.get("content-type") ?? "";
  check(contentType.startsWith("application/problem+json"), `${step}: content type ${contentType}`);
  check(errorCodeValues.includes(problem.code), `${step}: undocumented code ${problem.code}`);
  check(problem.code === "validation_failed", `${step}: code ${problem.code}`);
  check(problem.status === 422, `${step}: status ${problem.status} in the body`);
  const fields = Object.keys(problem.errors ?? {});
  check(fields.includes(field), `${step}: errors name ${fields.join(", ")}, not ${field}`);
  return problem;
}

async function main(baseUrl: string, logPath: string): Promise<void> {
  const anonymous = createClient<paths>({ baseUrl });
  const email = `smoke-${randomUUID().replaceAll("-", "").slice(0, 12)}@example.com`;

  const user = expect(
    await anonymous.POST("/v1/auth/register", {
      body: { email, password: PASSWORD, name: "Smoke Customer", role: "customer" },
    }),
    201,
    "register",
  );
  check(user.email === email && user.role === "customer", `register: got ${user.email} as ${user.role}`);
  console.log(`register: customer ${user.id}`);

  const token = await verificationToken(logPath, email);
  const confirmed = expect(
    await anonymous.POST("/v1/auth/email/verify", { body: { token } }),
    200,
    "confirm email",
  );
  check(confirmed.email_verified === true, "confirm email: email_verified is not true");
  console.log("confirm email: verified");

  const session = expect(
    await anonymous.POST("/v1/auth/login", { body: { email, password: PASSWORD } }),
    200,
    "login",
  );
  check(session.token_type === "Bearer", `login: token_type ${session.token_type}`);
  console.log(`login: access token for ${session.expires_in} s`);

  const customer = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${session.access_token}` },
  });
  const account = expect(await customer.GET("/v1/me"), 200, "me");
  check(account.id === user.id && account.email === email, `me: got ${account.id} ${account.email}`);
  console.log(`me: ${account.name} <${account.email}>`);

  const categories = expect(await anonymous.GET("/v1/categories"), 200, "categories");
  const category = categories.items[0];
  check(category !== undefined, "categories: the catalogue is empty");
  console.log(`categories: ${categories.items.length}, asking for ${category.slug}`);

  const start = new Date(Date.now() + 2 * 24 * 3600 * 1000);
  start.setUTCMinutes(0, 0, 0);
  const end = new Date(start.getTime() + 3 * 3600 * 1000);
  const body: ServiceRequestInput = {
    category: category.slug,
    description: "Smoke test: please ignore this request.",
    address: {
      street: "100 Queen St W",
      city: "Toronto",
      postal_code: "M5H 2N2",
      country: "CA",
      lat: 43.6534,
      lon: -79.3841,
    },
    windows: [{ start: start.toISOString(), end: end.toISOString() }],
    time_zone: "America/Toronto",
  };
  const created = expect(await customer.POST("/v1/requests", { body }), 201, "create request");
  check(created.category.slug === category.slug, `create request: category ${created.category.slug}`);
  check(
    created.windows.length === 1 && Date.parse(created.windows[0]!.start) === start.getTime(),
    "create request: windows differ",
  );
  console.log(`create request: ${created.id} (${created.kind}, ${created.status})`);

  const read = expect(
    await customer.GET("/v1/requests/{id}", { params: { path: { id: created.id } } }),
    200,
    "get request",
  );
  check(read.id === created.id && read.description === body.description, "get request: a different request");
  check(read.address.city === "Toronto", `get request: city ${read.address.city}`);
  console.log(`get request: ${read.id} (${read.status})`);

  const page = expect(await customer.GET("/v1/requests"), 200, "list requests");
  const ids = page.items.map((item) => item.id);
  check(ids.length === 1 && ids[0] === created.id, `list requests: ${ids.join(", ")}`);
  console.log(`list requests: ${page.items.length} item`);

  let problem = refused(
    await customer.POST("/v1/requests", { body: { ...body, windows: [] } }),
    "no windows",
    "windows",
  );
  console.log(`no windows: ${problem.status} ${problem.code}`);

  problem = refused(
    await customer.POST("/v1/requests", { body: { ...body, category: "no-such-category" } }),
    "unknown category",
    "category",
  );
  console.log(`unknown category: ${problem.status} ${problem.code}`);

  const again = expect(await customer.GET("/v1/requests"), 200, "list requests again");
  check(again.items.length === 1, `list requests again: ${again.items.length} items after two refusals`);
  console.log("typescript client: all steps passed");
}

const [baseUrl, logPath] = process.argv.slice(2);
if (!baseUrl || !logPath) {
  console.error("usage: node dist/smoke.js BASE_URL SERVER_LOG");
  process.exit(2);
}
try {
  await main(baseUrl.replace(/\/+$/, ""), logPath);
} catch (error) {
  if (!(error instanceof Mismatch)) throw error;
  console.error(`FAILED ${error.message}`);
  process.exit(1);
}
