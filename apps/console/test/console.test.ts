import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOsCommands } from '@callbacks/infra';
import { Action, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CONSOLE_BUILD_DIR, CountingReceiver, System } from '@callbacks/system';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Every page's screenshot, as test artifacts (gitignored). */
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts', import.meta.url));
/** With CONSOLE_README_SCREENSHOTS=1 the two the README shows are written to docs/ too. */
const README_SHOTS = process.env.CONSOLE_README_SCREENSHOTS === '1';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WAIT = 60_000;

let system: System;
let receiver: CountingReceiver;
let browser: Browser;
const otherToken = `other-${randomBytes(12).toString('hex')}`;

/** axe-core on the page as it is: no serious or critical violation. */
async function accessible(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: Document,
            options: object,
          ): Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
  expect(violations, `accessibility of ${name}`).toEqual([]);
}

async function shot(page: Page, name: string, readme?: string): Promise<void> {
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (readme && README_SHOTS) copyFileSync(file, join(ROOT, 'docs', readme));
}

/** Checks and photographs a page at desktop width, then at phone width. */
async function visit(page: Page, name: string, readme?: string): Promise<void> {
  await accessible(page, name);
  await shot(page, name, readme);
  await page.setViewportSize({ width: 390, height: 844 });
  await accessible(page, `${name} (phone)`);
  await shot(page, `${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

function event(fields: Record<string, string>, accountId = '42'): ProfileEvent {
  return {
    eventId: `console-${randomBytes(6).toString('hex')}`,
    accountId,
    databaseId: '7',
    collectionId: '',
    profileId: '9',
    subprofileId: '',
    action: Action.UPDATE,
    origin: Origin.PUBLISHER,
    occurredAt: new Date(),
    fields,
    previousFields: { city: 'Utrecht' },
    interests: [],
    previousInterests: [],
    createdAt: undefined,
    modifiedAt: undefined,
  };
}

/** Signs a fresh browser context in with the system's token; its page is on the callbacks list. */
async function signedIn(): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    bypassCSP: true,
    timezoneId: 'America/New_York',
  });
  const page = await context.newPage();
  await page.goto(`${system.httpUrl}/sign-in`);
  await page.getByLabel('API token').fill(system.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Callbacks' }).waitFor();
  return { page, close: () => context.close() };
}

/** Creates a callback through the HTTP API; its id. */
async function createCallback(callback: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${system.httpUrl}/v1/callbacks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${system.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ format: 'FORMAT_JSON', ...callback }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { callback: { id: string } }).callback.id;
}

function chromiumPath(): string {
  return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
}

describe('the console in a real browser, against the system as processes', () => {
  beforeAll(async () => {
    if (!existsSync(join(CONSOLE_BUILD_DIR, 'index.html')))
      throw new Error('the console is not built: nx run @callbacks/console:build (the test target depends on it)');
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureOsCommands(['chromium']);
    receiver = await CountingReceiver.start();
    system = await System.start({ tokens: [{ name: 'other', token: otherToken, accounts: ['99'] }] });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.close();
    await receiver?.close();
  });

  it('signs in, creates, tests, delivers, replays, counts, disables and deletes a callback', async () => {
    // The token lives in sessionStorage, which axe's script tag needs no exception for; the
    // page's CSP allows no inline script, so the checker is let in by the test alone.
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      bypassCSP: true,
      timezoneId: 'Europe/Amsterdam',
    });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));

    // Sign in: every page asks for it first.
    await page.goto(`${system.httpUrl}/callbacks`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await visit(page, '01-sign-in');
    await page.getByLabel('API token').fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That token was not accepted').waitFor();
    await page.getByLabel('API token').fill(system.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Callbacks' }).waitFor();
    await page.getByText('No callbacks yet').waitFor();
    await visit(page, '02-callbacks-empty');

    // The form: a bad URL and a bad regular expression come back as field errors.
    await page.getByRole('link', { name: 'New callback' }).click();
    await page.getByRole('heading', { name: 'New callback' }).waitFor();
    await page.getByLabel('Account').fill('42');
    await page.getByLabel('Database').fill('7');
    await page.getByLabel('URL').fill('ftp://example.com/hook');
    await page.getByLabel('Update').check();
    await page.getByLabel('Disable on API calls').check();
    await page.getByRole('button', { name: 'Add a rule' }).click();
    await page.getByLabel('Rule name').fill('piet');
    await page.getByLabel('Field', { exact: true }).fill('name');
    await page.getByLabel('Comparison').selectOption('FIELD_COMPARISON_REGEXP');
    await page.getByLabel('Regular expression').fill('(pi');
    await page.getByRole('button', { name: 'Create callback' }).click();
    await page.getByText('fix the fields marked below').waitFor();
    const urlField = page.locator('[data-path="url"]');
    await urlField.locator('.field-error').waitFor();
    const regexpField = page.locator('[data-path="condition.rules[0].conditions[0].field.value"]');
    await regexpField.locator('.field-error').waitFor();
    expect(await regexpField.locator('.field-error').textContent()).toMatch(/regular expression|RE2|missing/i);
    await visit(page, '03-form-errors');

    // The service type-checks the CEL expression when the field is left.
    const expression = page.getByLabel('Expression (CEL, optional)');
    await expression.fill('profile.fields.name == 1 +');
    await expression.blur();
    await page.locator('[data-path="condition.expression"] .field-error').waitFor();
    await expression.fill('profile.fields.name != ""');
    await expression.blur();
    await page.locator('[data-path="condition.expression"] .field-error').waitFor({ state: 'detached' });

    // Fixed: created, and the page becomes the callback's.
    await page.getByLabel('URL').fill(receiver.url());
    await page.getByLabel('Regular expression').fill('^pi');
    await page.getByLabel('Description').fill('Updates of profiles named piet, not from API calls');
    await page.getByLabel('Ordering').selectOption('ORDERING_PER_PROFILE');
    await shot(page, '04-form', 'console-form.png');
    await page.getByRole('button', { name: 'Create callback' }).click();
    await page.getByRole('heading', { name: 'Callback', exact: true }).waitFor();
    const callbackUrl = page.url();
    const callbackId = decodeURIComponent(callbackUrl.split('/callbacks/')[1] ?? '');
    expect(callbackId).not.toBe('');
    expect(await page.getByLabel('Ordering').inputValue()).toBe('ORDERING_PER_PROFILE');
    await visit(page, '05-callback');

    // A stale edit: someone else changed it meanwhile; said in words, with a reload.
    const elsewhere = await fetch(
      `${system.httpUrl}/v1/callbacks/${encodeURIComponent(callbackId)}?updateMask=description`,
      {
        method: 'PATCH',
        headers: { authorization: `Bearer ${system.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ description: 'changed elsewhere' }),
      },
    );
    expect(elsewhere.status).toBe(200);
    await page.getByLabel('Description').fill('my change');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Someone changed this callback after you opened it').waitFor();
    await shot(page, '05b-conflict');
    await page.getByRole('button', { name: 'Reload the current version' }).click();
    await page.getByText(/^Revision 2 ·/).waitFor();
    expect(await page.getByLabel('Description').inputValue()).toBe('changed elsewhere');

    // Test it with a sample event: it fires, rule by rule, with the request as it would be sent.
    await page.getByRole('link', { name: 'Test this callback' }).click();
    await page.getByRole('button', { name: 'Run the test' }).click();
    await page.getByRole('heading', { name: 'It fires' }).waitFor();
    expect(await page.getByLabel('Request headers').textContent()).toMatch(/Signature: keyId=/);
    expect(await page.getByLabel('Request body').textContent()).toContain('"profile"');
    await visit(page, '06-test');

    // A real event: the delivery appears with its attempt.
    await system.publisher.publish(event({ name: 'piet', city: 'Amsterdam' }));
    expect(await receiver.waitForDistinct(1, WAIT)).toBe(true);
    // Ordered per profile, as chosen in the form: the body carries the profile's sequence.
    expect(JSON.parse(receiver.arrivals[0]!.body.toString('utf8')).sequence).toBeGreaterThan(0);
    await page.goto(`${system.httpUrl}/callbacks/${encodeURIComponent(callbackId)}/deliveries`);
    const succeeded = page.getByRole('cell', { name: 'Succeeded' });
    await succeeded.first().waitFor({ timeout: WAIT });
    await visit(page, '07-deliveries');
    await page.getByRole('row').nth(1).getByRole('link').first().click();
    await page.getByText('Attempt 1').waitFor();
    await page.getByText('HTTP 200').first().waitFor();
    await visit(page, '08-delivery');

    // Replay it: a new delivery reaches the receiver.
    await page.getByRole('button', { name: 'Replay this delivery' }).click();
    await page.getByText('Replayed as a new delivery').waitFor();
    expect(await receiver.waitForDistinct(2, WAIT)).toBe(true);

    // The statistics count both attempts (refreshing on their own).
    await page.goto(`${system.httpUrl}/callbacks/${encodeURIComponent(callbackId)}/stats`);
    await page.getByTestId('stats-total').filter({ hasText: /^2$/ }).waitFor({ timeout: WAIT });
    await visit(page, '09-stats');

    // Disable it; the list shows it so.
    await page.goto(callbackUrl);
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    await page.getByRole('link', { name: 'Callbacks' }).first().click();
    await page.getByRole('cell', { name: receiver.url() }).waitFor();
    await page.getByRole('cell', { name: 'Disabled' }).waitFor();
    await visit(page, '10-callbacks', 'console-callbacks.png');

    // Another account's token sees none of it.
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const otherPage = await other.newPage();
    await otherPage.goto(`${system.httpUrl}/sign-in`);
    await otherPage.getByLabel('API token').fill(otherToken);
    await otherPage.getByRole('button', { name: 'Sign in' }).click();
    await otherPage.getByText('No callbacks yet').waitFor();
    await otherPage.goto(`${system.httpUrl}/callbacks/${encodeURIComponent(callbackId)}`);
    await otherPage.getByText('Not found').waitFor();
    await shot(otherPage, '11-other-account');
    await other.close();

    // Delete, after a confirmation.
    await page.goto(callbackUrl);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('alertdialog').waitFor();
    await visit(page, '12-delete-confirmation');
    await page.getByRole('button', { name: 'Yes, delete it' }).click();
    await page.getByText('No callbacks yet').waitFor();

    // The token never went into a URL.
    expect(requests.filter((url) => url.includes(system.token))).toEqual([]);
    await context.close();
  });
  it('pages and filters callbacks, filters deliveries by state and time, replays a selection and a range, and counts an account', async () => {
    // Account 43 alone, so that every count below is this test's.
    const counted = await CountingReceiver.start();
    try {
      const target = await createCallback({ accountId: '43', databaseId: '7', url: counted.url() });
      for (let i = 0; i < 20; i++) await createCallback({ accountId: '43', databaseId: '70', url: counted.url('/a') });
      for (let i = 0; i < 2; i++) await createCallback({ accountId: '43', databaseId: '8', url: counted.url('/b') });
      const { page, close } = await signedIn();

      // 23 callbacks: a page of 20, then the other 3; the database filter finds the two of database 8.
      await page.goto(`${system.httpUrl}/callbacks?account=43`);
      const rows = page.locator('tbody tr');
      await page.getByRole('link', { name: 'Next page' }).waitFor();
      expect(await rows.count()).toBe(20);
      await page.getByRole('link', { name: 'Next page' }).click();
      await page.getByRole('link', { name: 'First page' }).waitFor();
      expect(await rows.count()).toBe(3);
      await page.getByLabel('Database').fill('8');
      await page.getByRole('button', { name: 'Filter', exact: true }).click();
      await page.getByRole('link', { name: 'First page' }).waitFor({ state: 'detached' });
      await rows.nth(1).waitFor();
      expect(await rows.count()).toBe(2);
      expect(await page.getByRole('cell', { name: counted.url('/b') }).count()).toBe(2);
      await shot(page, '13-callbacks-filtered');

      // Three deliveries, listed with their times in the viewer's zone and UTC on hover.
      for (const name of ['a', 'b', 'c']) await system.publisher.publish(event({ name }, '43'));
      expect(await counted.waitForDistinct(3, WAIT)).toBe(true);
      await page.goto(`${system.httpUrl}/callbacks/${encodeURIComponent(target)}/deliveries`);
      const succeeded = page.getByRole('cell', { name: 'Succeeded' });
      await succeeded.nth(2).waitFor({ timeout: WAIT });
      expect(await page.locator('tbody time').first().getAttribute('title')).toMatch(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
      );

      // Filters: none dead; none created after 2099; all three created before it.
      await page.getByLabel('State').selectOption('DELIVERY_STATE_DEAD');
      await page.getByRole('button', { name: 'Filter', exact: true }).click();
      await page.getByText('No deliveries match these filters').waitFor();
      await page.getByLabel('State').selectOption('');
      await page.getByLabel('Created from').fill('2099-01-01T00:00');
      await page.getByRole('button', { name: 'Filter', exact: true }).click();
      await page.getByText('No deliveries match these filters').waitFor();
      expect(page.url()).toContain('from=2099-01-01T00%3A00');
      await page.getByLabel('Created from').fill('');
      await page.getByLabel('Created before').fill('2099-01-01T00:00');
      await page.getByRole('button', { name: 'Filter', exact: true }).click();
      await succeeded.nth(2).waitFor();
      expect(await rows.count()).toBe(3);
      await visit(page, '14-deliveries-filtered');

      // Replay two selected: two new deliveries arrive.
      await page.getByRole('checkbox').nth(0).check();
      await page.getByRole('checkbox').nth(1).check();
      await page.getByRole('button', { name: 'Replay selected (2)' }).click();
      await page.getByText('Replayed 2 deliveries: they are queued as new deliveries.').waitFor();
      expect(await counted.waitForDistinct(5, WAIT)).toBe(true);

      // Replay the range of succeeded ones: as many new deliveries as the page says.
      await page.getByLabel('State').selectOption('DELIVERY_STATE_SUCCEEDED');
      await page.getByRole('button', { name: 'Filter', exact: true }).click();
      await page.getByRole('button', { name: 'Replay the filtered range' }).click();
      const said = await page.getByText(/^Replayed \d+ deliveries/).textContent();
      const ranged = Number(/Replayed (\d+)/.exec(said ?? '')?.[1]);
      expect(ranged).toBeGreaterThanOrEqual(3);
      expect(await counted.waitForDistinct(5 + ranged, WAIT)).toBe(true);

      // The account's statistics count every attempt of the account, all of them successes.
      await page.goto(`${system.httpUrl}/stats`);
      await page.getByLabel('Account').fill('43');
      await page.getByRole('button', { name: 'Show' }).click();
      await page
        .getByTestId('stats-total')
        .filter({ hasText: new RegExp(`^${5 + ranged}$`) })
        .waitFor({ timeout: WAIT });
      await visit(page, '15-account-stats');
      await close();
    } finally {
      await counted.close();
    }
  });

  it('creates a Standard Webhooks callback, shows its secret once, and tests it with that scheme', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${system.httpUrl}/sign-in`);
    await page.getByLabel('API token').fill(system.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Callbacks' }).waitFor();

    await page.getByRole('link', { name: 'New callback' }).click();
    await page.getByLabel('Account').fill('42');
    await page.getByLabel('Database').fill('7');
    await page.getByLabel('URL').fill(receiver.url());
    await page.getByLabel('Signature scheme').selectOption('SIGNATURE_SCHEME_STANDARD_WEBHOOKS_V1');
    await page.getByRole('button', { name: 'Create callback' }).click();

    // The secret, this once; then the callback's page, which no longer shows it.
    await page.getByRole('heading', { name: "The callback's secret" }).waitFor();
    const whsec = (await page.locator('dl.secret').textContent())?.match(/whsec_[A-Za-z0-9+/]{43}=/)?.[0];
    expect(whsec).toBeDefined();
    await visit(page, '13-secret-once');
    await page.getByRole('button', { name: 'Continue to the callback' }).click();
    await page.getByRole('heading', { name: 'Callback', exact: true }).waitFor();
    expect(await page.getByLabel('Signature scheme').inputValue()).toBe('SIGNATURE_SCHEME_STANDARD_WEBHOOKS_V1');
    await page.getByText(/Signing keys: key_/).waitFor();
    expect(await page.content()).not.toContain(whsec!);

    await page.getByRole('link', { name: 'Test this callback' }).click();
    await page.getByRole('button', { name: 'Run the test' }).click();
    await page.getByRole('heading', { name: 'It fires' }).waitFor();
    const headers = await page.getByLabel('Request headers').textContent();
    expect(headers).toMatch(/webhook-signature: v1,[A-Za-z0-9+/]{43}=/);
    expect(headers).not.toMatch(/Signature: keyId=/);
    await context.close();
  });
});
