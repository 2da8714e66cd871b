// console.test.mjs: the govsec web console in headless Chromium against the
// real daemon. Imports data/demo.json into a fresh store, adds an admin,
// starts govsecd on a free loopback port, then drives the console as a
// person would: log in through the form, read the dashboard, open a failing
// finding, acknowledge it, switch language, check the audit chain, log out.
//
// Run: (cd tests/browser && npm ci) once, then `node --test tests/browser/`
// (ctest runs it as the "browser" test). Environment:
//   GOVSEC_BUILD   the build directory with govsec and govsecd (<repo>/build)
//   GOVSEC_SRC     the source tree (<repo>)
//   CHROMIUM       the browser binary (/usr/bin/chromium)
//   GOVSEC_CONSOLE_HOST  host name in the console URL (localhost)
//   GOVSEC_SCREENSHOT    where the dashboard screenshot goes
//                        (/tmp/govsec-console.png; empty: none)
//   GOVSEC_SCREENSHOTS   a directory for screenshots of every page (none)
//   GOVSEC_CONSOLE_URL + GOVSEC_CONSOLE_PASSWORD: test an already running
//                  console (user admin) instead of starting one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Daemon, HOST, SRC, assertBuilt, freePort, launchChromium, openPage,
	runBin, submitLogin, tearDown } from './harness.mjs';
const SHOTS = process.env.GOVSEC_SCREENSHOTS || '';
const SHOT = process.env.GOVSEC_SCREENSHOT ?? '/tmp/govsec-console.png';
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:";

let tmp = null;
let daemon = null;
let browser = null;
let baseURL = process.env.GOVSEC_CONSOLE_URL || '';
let password = process.env.GOVSEC_CONSOLE_PASSWORD || '';
const problems = []; // CSP violations and script errors seen on any page

const run = runBin;

async function startDaemon() {
	assertBuilt();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'govsec-browser-'));
	const db = path.join(tmp, 'govsec.db');
	// Meets any sane complexity rule: upper, lower, digit, symbol, 21+.
	password = 'Gs!9' + randomBytes(12).toString('hex');
	run('govsec', ['--db', db, 'import',
		path.join(SRC, 'data', 'demo.json')]);
	run('govsec', ['--db', db, 'user', 'add', 'admin', '--role', 'admin'],
		password + '\n');
	const port = await freePort();
	const conf = path.join(tmp, 'govsec.conf');
	writeFileSync(conf, [
		'[store]',
		`path = ${db}`,
		'',
		'[console]',
		`listen = 127.0.0.1:${port}`,
		'two_factor = optional',
		'',
	].join('\n'));
	daemon = new Daemon(conf);
	await daemon.ready(`http://127.0.0.1:${port}/api/me`);
	baseURL = `http://${HOST}:${port}`;
}

function newPage(locale) {
	return openPage(browser, { locale, baseURL }, problems);
}

async function shot(page, name) {
	if (SHOTS)
		await page.screenshot({ path: path.join(SHOTS, name),
			fullPage: true });
}

const login = submitLogin;

before(async () => {
	if (!baseURL)
		await startDaemon();
	browser = await launchChromium();
});

after(() => tearDown(browser, daemon, tmp));

test('the console is served with the strict CSP', async () => {
	const r = await fetch(baseURL + '/');
	const body = await r.text();
	assert.equal(r.status, 200);
	assert.match(r.headers.get('content-type') || '', /text\/html/);
	const csp = r.headers.get('content-security-policy') || '';
	for (const part of CSP.split('; '))
		assert.ok(csp.includes(part), `CSP '${csp}' lacks '${part}'`);
	assert.match(body, /<script src="app\.js"/);
	assert.doesNotMatch(body, /<script>|\son[a-z]+=|\sstyle=/i,
		'index.html has inline script, handler or style');
});

test('a wrong password shows an error and no console', async () => {
	const page = await newPage('en-US');
	await login(page, 'admin', password + 'x');
	const err = page.locator('#login-error');
	await err.waitFor({ state: 'visible' });
	assert.match(await err.textContent(), /wrong user name or password/i);
	assert.equal(await page.locator('#dashboard').count(), 0);
	assert.ok(await page.locator('#nav').isHidden());
	await shot(page, 'login-error.png');
	await page.context().close();
});

let page = null; // the signed-in page the next tests share
let failing = null; // {requirement, rule} of the finding opened

test('login through the form shows the dashboard with failures',
	async () => {
	page = await newPage('en-US');
	await login(page, 'admin', password);
	const loginError = page.locator('#login-error');
	await Promise.race([
		page.locator('#dashboard').waitFor(),
		loginError.waitFor({ state: 'visible' }).then(async () => {
			throw new Error('login failed: ' +
				await loginError.textContent());
		}),
	]);
	assert.equal(await page.locator('html').getAttribute('lang'), 'en');
	const fail = Number(await page.locator('#summary-fail').textContent());
	assert.ok(fail > 0, `fail count ${fail}`);
	for (const id of ['#summary-pass', '#summary-unknown', '#summary-na'])
		assert.match(await page.locator(id).textContent(), /^\d+$/);
	// by unit and by requirement, each row with its counts and a bar
	assert.ok(await page.locator('table#by-unit tbody tr').count() > 0);
	const reqRows = page.locator('table#by-requirement tbody tr');
	assert.ok(await reqRows.count() > 0);
	assert.match(await reqRows.first().locator('th').textContent(),
		/^[A-Z0-9]+-\d+$/);
	assert.ok(await page.locator('table#by-requirement .bar').count() > 0);
	// the verdict (failures: failing) and every requirement of the
	// catalogue with how it was judged
	const verdict = page.locator('#verdict');
	assert.equal(await verdict.getAttribute('data-verdict'), 'failing');
	assert.match(await verdict.textContent(), /^Failing\./);
	const reqs = page.locator('table#requirements tbody tr');
	assert.equal(await reqs.count(), 49);
	assert.equal(await page.locator('table#requirements tbody ' +
		'tr[data-requirement="CONTENT-1"]').getAttribute('data-verdict'),
		'not_judged');
	assert.match(await page.locator('table#requirements tbody ' +
		'tr[data-requirement="CONTENT-1"] td').last().textContent(),
		/^not at all$/);
	assert.match(await page.locator('#current-user').textContent(),
		/admin/);
	await shot(page, 'dashboard-en.png');
	if (SHOT) // for people to look at; not part of the assertions
		await page.screenshot({ path: SHOT, fullPage: true });
});

test('findings list, filter and a failing finding with its evidence',
	async () => {
	await page.click('#nav-findings');
	const rows = page.locator('table#findings tbody tr');
	await rows.first().waitFor();
	assert.ok(await rows.count() > 0);
	assert.equal(await page.locator('#findings-page #verdict')
		.getAttribute('data-verdict'), 'failing');

	await page.selectOption('#filter-status', 'fail');
	await page.click('#filter-apply');
	await page.waitForURL(/status=fail/);
	// the filtered list has replaced the full one
	await page.waitForFunction(() => {
		const trs = document.querySelectorAll('table#findings tbody tr');
		return trs.length > 0 && [...trs].every((tr) =>
			tr.getAttribute('data-status') === 'fail');
	});
	const statuses = await rows.evaluateAll((trs) =>
		trs.map((tr) => tr.getAttribute('data-status')));
	assert.ok(statuses.length > 0);
	assert.deepEqual([...new Set(statuses)], ['fail']);
	await shot(page, 'findings-en.png');

	const row = page.locator('table#findings tbody tr[data-status="fail"]')
		.first();
	failing = {
		requirement: await row.getAttribute('data-requirement'),
		rule: await row.getAttribute('data-rule'),
	};
	await row.locator('[data-testid="finding-link"]').click();
	const detail = page.locator('#finding-detail');
	await detail.waitFor();
	assert.equal(await detail.getAttribute('data-status'), 'fail');
	const evidence = (await page.locator('#finding-evidence')
		.textContent()).trim();
	assert.ok(evidence.length > 0 && evidence !== '—',
		'finding has no evidence');
	assert.ok((await page.locator('#finding-fix').textContent()).trim());
	const req = await page.locator('#finding-requirement').textContent();
	assert.ok(req.includes(failing.requirement),
		`'${req}' lacks ${failing.requirement}`);
	assert.match(failing.requirement, /^[A-Z0-9]+-\d+$/);
	await shot(page, 'finding-en.png');
});

test('acknowledging a finding posts with the CSRF token', async () => {
	await page.fill('#ack-owner', '张三 Zhang San');
	await page.fill('#ack-due', '2031-12-31');
	await page.fill('#ack-note', 'browser test: 整改中');
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/findings/ack')),
		page.click('#ack-submit'),
	]);
	assert.equal(resp.status(), 200, await resp.text());
	assert.ok(resp.request().headers()['x-csrf-token']);
	await page.locator('#ack-result.banner-ok').waitFor();
	// the list shows the owner after a fresh load
	await page.goto('/#/findings?status=fail');
	const row = page.locator('table#findings tbody tr[data-rule="' +
		failing.rule + '"]', { hasText: 'Zhang San' });
	await row.first().waitFor();
});

test('an attestation is shown as a person\'s verdict, not a rule\'s',
	async () => {
	const res = await page.evaluate(async () => {
		const me = await (await fetch('/api/me',
			{ credentials: 'same-origin' })).json();
		const fs = await (await fetch('/api/findings?requirement=LINK-1',
			{ credentials: 'same-origin' })).json();
		const f = fs.findings[0];
		const r = await fetch('/api/attestations', {
			method: 'POST', credentials: 'same-origin',
			headers: { 'Content-Type': 'application/json',
				'X-CSRF-Token': me.csrf },
			body: JSON.stringify({ requirement: 'LINK-1',
				object: f.object, verdict: 'pass',
				evidence: 'links reviewed', reviewer: 'Li Na' }),
		});
		return { status: r.status, f, a: await r.json() };
	});
	assert.equal(res.status, 201, JSON.stringify(res.a));
	await page.goto('/#/finding?rule=' + res.f.rule + '&object=' +
		encodeURIComponent(res.f.object) + '&unit=' +
		encodeURIComponent(res.f.unit));
	await page.locator('#finding-detail').waitFor();
	assert.equal(await page.locator('[data-testid="finding-status"]')
		.getAttribute('data-status'), 'pass');
	assert.equal(await page.locator('[data-testid="finding-attested"]')
		.textContent(), 'by attestation');
	assert.equal(await page.locator('#finding-judged').textContent(),
		`attested by Li Na on ${res.a.attested}, expires ` +
		`${res.a.expires}`);
	assert.match(await page.locator('#finding-evidence').textContent(),
		/^attested by Li Na on /);
});

test('a person records an attestation from the finding\'s page',
	async () => {
	const f = await page.evaluate(async () => {
		const fs = await (await fetch('/api/findings?requirement=LINK-1' +
			'&status=unknown', { credentials: 'same-origin' })).json();
		return fs.findings[0];
	});
	await page.goto('/#/finding?rule=' + f.rule + '&object=' +
		encodeURIComponent(f.object) + '&unit=' +
		encodeURIComponent(f.unit));
	const status = page.locator('[data-testid="finding-status"]');
	await status.waitFor();
	assert.equal(await status.getAttribute('data-status'), 'unknown');
	await page.selectOption('#attest-verdict', 'fail');
	await page.fill('#attest-reviewer', 'Wang Wu');
	await page.fill('#attest-evidence', 'a link to a casino');
	await page.click('#attest-submit');
	await page.waitForFunction(() => {
		const s = document.querySelector(
			'[data-testid="finding-status"]');
		return s && s.getAttribute('data-status') === 'fail';
	});
	assert.match(await page.locator('#finding-judged').textContent(),
		/^attested by Wang Wu on \d{4}-\d\d-\d\d, expires /);
});

test('the audit trail lists records newest first and verifies',
	async () => {
	await page.click('#nav-audit');
	const rows = page.locator('table#audit tbody tr');
	await rows.first().waitFor();
	const seqs = await rows.evaluateAll((trs) =>
		trs.map((tr) => Number(tr.getAttribute('data-seq'))));
	assert.ok(seqs.length >= 2, `only ${seqs.length} audit records`);
	for (let i = 1; i < seqs.length; i++)
		assert.ok(seqs[i - 1] > seqs[i], `not newest first: ${seqs}`);
	assert.ok(await rows.filter({ hasText: 'admin' }).count() > 0);
	await page.click('#audit-verify');
	const verdict = page.locator('#audit-verdict[data-ok]');
	await verdict.waitFor();
	assert.equal(await verdict.getAttribute('data-ok'), 'true',
		await verdict.textContent());
	await shot(page, 'audit-en.png');
});

test('units and applications pages show the registry', async () => {
	await page.click('#nav-units');
	await page.locator('table#units tbody tr').first().waitFor();
	await page.locator('table#units tbody tr a').first().click();
	await page.locator('#unit-detail').waitFor();
	assert.ok((await page.locator('#unit-name').textContent()).trim());
	await page.click('#nav-applications');
	await page.locator('table#applications tbody tr').first().waitFor();
	await page.locator('table#applications tbody tr a').first().click();
	await page.locator('#app-detail').waitFor();
	assert.ok((await page.locator('#app-name').textContent()).trim());
});

test('registry data is shown as text, never as markup', async () => {
	// Change a unit through the API from the page itself: without the
	// CSRF token the server refuses, with it the change is stored.
	const res = await page.evaluate(async () => {
		const me = await (await fetch('/api/me',
			{ credentials: 'same-origin' })).json();
		const list = await (await fetch('/api/units',
			{ credentials: 'same-origin' })).json();
		const unit = list.items[0];
		unit.region_name = '<img src=x id=xss-probe>江门市';
		const put = (headers) => fetch('/api/units/' +
			encodeURIComponent(unit.uscc), {
			method: 'PUT', credentials: 'same-origin',
			headers: { 'Content-Type': 'application/json',
				...headers },
			body: JSON.stringify(unit),
		});
		const bare = await put({});
		const good = await put({ 'X-CSRF-Token': me.csrf });
		return { uscc: unit.uscc, bare: bare.status,
			good: good.status, body: await good.text() };
	});
	assert.equal(res.bare, 403);
	assert.equal(res.good, 200, res.body);
	await page.goto('/#/units');
	const row = page.locator(`table#units tbody tr[data-uscc="${res.uscc}"]`);
	await row.waitFor();
	assert.match(await row.textContent(), /<img src=x id=xss-probe>江门市/);
	assert.equal(await page.locator('#xss-probe').count(), 0);
	assert.equal(await page.locator('#view img').count(), 0);
});

test('the language toggle switches to Chinese and is remembered',
	async () => {
	await page.click('#nav-dashboard');
	await page.locator('#dashboard').waitFor();
	await page.click('#lang-toggle');
	await page.locator('#nav-dashboard', { hasText: '仪表盘' }).waitFor();
	assert.equal(await page.locator('#nav-findings').textContent(), '自查');
	assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
	await page.locator('#dashboard h1', { hasText: '合规仪表盘' }).waitFor();
	assert.equal(await page.evaluate(() =>
		localStorage.getItem('govsec.lang')), 'zh');
	await page.reload();
	await page.locator('#dashboard').waitFor();
	assert.equal(await page.locator('#nav-dashboard').textContent(),
		'仪表盘');
	await shot(page, 'dashboard-zh.png');
	await page.click('#lang-toggle');
	await page.locator('#nav-dashboard', { hasText: 'Dashboard' })
		.waitFor();
});

test('logout ends the session', async () => {
	await page.click('#logout');
	await page.locator('#login-form').waitFor();
	await page.goto('/#/findings');
	await page.locator('#login-form').waitFor();
	assert.equal(await page.locator('#findings').count(), 0);
	await page.context().close();
	page = null;
});

test('a Chinese browser gets the Chinese console by default', async () => {
	const zh = await newPage('zh-CN');
	await zh.goto('/');
	await zh.locator('#login-form').waitFor();
	assert.equal(await zh.locator('#login-title').textContent(), '登录');
	assert.equal(await zh.locator('label[for="login-name"]').textContent(),
		'用户名');
	await shot(zh, 'login-zh.png');
	await zh.context().close();
});

test('no CSP violations or script errors on any page', () => {
	assert.deepEqual(problems, []);
});
