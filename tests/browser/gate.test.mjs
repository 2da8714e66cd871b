// gate.test.mjs: the access-gateway pages of the web console in headless
// Chromium against the real daemon. Sets up a fresh store with the CLI (a
// small policy with an active and an expired whitelist entry, gate users,
// one of them enrolled for TOTP and one bound to devices, console users),
// starts govsecd with a console and a gate listener on free loopback ports,
// makes real gate traffic (portal logins that register devices and open
// sessions, wrong passwords that lock an account and an address, decisions
// on the auth_request endpoint), then drives the console: policy, users,
// devices (approve), lockouts (unlock), sessions (revoke), decisions, the
// policy editor (a refused and an accepted document), Chinese labels, and
// what a viewer may not do.
//
// Run: `node --test tests/browser/` (see console.test.mjs). Environment:
//   GOVSEC_BUILD, GOVSEC_SRC, CHROMIUM, GOVSEC_CONSOLE_HOST as there;
//   GOVSEC_GATE_SHOTS  a directory for screenshots of every gate page
//                      (/tmp/govsec-gate; empty: none)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Daemon, HOST, assertBuilt, freePort, launchChromium, openPage, runBin,
	submitLogin, tearDown, waitUntil } from './harness.mjs';
const SHOTS = process.env.GOVSEC_GATE_SHOTS ?? '/tmp/govsec-gate';
const APP_HOST = 'oa.example.gov.cn'; // the protected host nginx would pass
const ATTEMPTS = 5; // [gate] login_attempts and address_attempts
const DAY = 86400_000;

let tmp = null;
let db = null;
let daemon = null;
let browser = null;
let baseURL = '';
let gatePort = 0;
const pw = {}; // passwords of console and gate users
const problems = []; // CSP violations and script errors seen on any page

function run(args, input) {
	return runBin('govsec', ['--db', db, ...args], input);
}

function secret() {
	return 'Gs!9' + randomBytes(12).toString('hex');
}

// One request to the gate listener, as nginx would forward it.
function gateReq(method, p, headers = {}, body = null) {
	return new Promise((resolve, reject) => {
		const req = http.request({
			host: '127.0.0.1', port: gatePort, method, path: p,
			headers: { Host: APP_HOST, ...headers },
		}, (res) => {
			let data = '';
			res.setEncoding('utf8');
			res.on('data', (c) => { data += c; });
			res.on('end', () => resolve({ status: res.statusCode,
				headers: res.headers, body: data }));
		});
		req.on('error', reject);
		req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
		if (body !== null)
			req.write(body);
		req.end();
	});
}

// A portal login from a new browser (no cookies): registers a device.
function portalLogin(user, password, client) {
	const body = new URLSearchParams({ username: user, password,
		code: '', lang: 'en' }).toString();
	return gateReq('POST', '/govsec/login', {
		'Content-Type': 'application/x-www-form-urlencoded',
		'Content-Length': Buffer.byteLength(body),
		'X-Forwarded-For': client,
	}, body);
}

function decide(url, client) {
	return gateReq('GET', '/api/authz/auth-request', {
		'X-Original-URL': url, 'X-Original-Method': 'GET',
		'X-Forwarded-For': client,
	});
}

function policy() {
	const now = Date.now();
	const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
	return {
		version: 1,
		networks: {
			office: ['10.44.0.0/16', '!10.44.99.0/24',
				'2001:db8:4407::/48'],
			vpn: ['192.168.70.0/24'],
		},
		rules: [
			{ name: 'health', path: '^/health$', methods: ['GET'],
				action: 'bypass' },
			{ name: 'blocked', path: '^/private/', action: 'deny' },
			{ name: 'admin', hosts: [APP_HOST], path: '^/admin/',
				networks: ['office'], subjects: ['group:ops'],
				devices: ['approved'],
				windows: ['mon-fri 08:00-20:00'],
				action: 'two_factor' },
			{ name: 'abroad', countries: ['!CN'], whitelist: true,
				action: 'two_factor' },
			{ name: 'staff', hosts: ['*.example.gov.cn'],
				networks: ['office', 'vpn'], action: 'one_factor' },
		],
		whitelist: [
			{ name: 'li-trip', user: 'li', from: iso(now - DAY),
				until: iso(now + 7 * DAY),
				window: '08:00-20:00 Europe/Berlin' },
			{ name: 'wang-old', user: 'wang', from: iso(now - 10 * DAY),
				until: iso(now - 3 * DAY) },
		],
	};
}

async function startDaemon() {
	assertBuilt();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'govsec-gate-browser-'));
	db = path.join(tmp, 'govsec.db');
	run(['init']);
	writeFileSync(path.join(tmp, 'policy.json'),
		JSON.stringify(policy(), null, 2));
	run(['gate', 'import', path.join(tmp, 'policy.json')]);
	const users = [
		['li', 'staff,ops', '李雷'],
		['wang', 'staff', '王芳'],
		// markup in a display name must reach the page as text
		['zhao', 'staff', '<img src=x id=gate-xss>赵敏'],
	];
	for (const [name, groups, display] of users) {
		pw[name] = secret();
		run(['gate', 'user', 'add', name, '--groups', groups,
			'--display', display], pw[name] + '\n');
	}
	run(['gate', 'totp', 'li']);
	run(['gate', 'bind', 'wang']);
	// a security key of li's, as the portal stores one (webauthn.test.mjs
	// registers real ones)
	const q = spawnSync('sqlite3', [db, 'INSERT INTO gate_webauthn(id, ' +
		'user, alg, pubkey, sign_count, label, created) VALUES ' +
		'(\'a2V5LW9mLWxp\', \'li\', -7, \'AAAA\', 3, \'YubiKey 5\', ' +
		'\'2026-11-20T08:00:00Z\')'], { encoding: 'utf8' });
	assert.equal(q.status, 0, q.stderr);
	for (const [name, role] of [['admin', 'admin'], ['watcher', 'viewer']]) {
		pw[name] = secret();
		run(['user', 'add', name, '--role', role], pw[name] + '\n');
	}

	const port = await freePort();
	gatePort = await freePort();
	const conf = path.join(tmp, 'govsec.conf');
	writeFileSync(conf, [
		'[store]',
		`path = ${db}`,
		'',
		'[console]',
		`listen = 127.0.0.1:${port}`,
		'two_factor = optional',
		'',
		'[gate]',
		`listen = 127.0.0.1:${gatePort}`,
		'trusted_proxies = 127.0.0.1',
		`login_attempts = ${ATTEMPTS}`,
		`address_attempts = ${ATTEMPTS}`,
		'lockout_seconds = 900',
		'allow_sample = 1',
		'threads = 2',
		'',
		'[audit]',
		'aggregate_seconds = 1',
		'',
	].join('\n'));
	daemon = new Daemon(conf);
	await daemon.ready(`http://127.0.0.1:${port}/api/me`);
	await daemon.ready(`http://127.0.0.1:${gatePort}/govsec/health`);
	baseURL = `http://${HOST}:${port}`;
}

// Real gate traffic: devices, sessions, a lockout and decisions.
async function makeTraffic() {
	// li (not bound): logged in, the new device waits for approval
	let r = await portalLogin('li', pw.li, '10.44.1.10');
	assert.equal(r.status, 200, `li login: ${r.status} ${r.body}`);
	r = await portalLogin('zhao', pw.zhao, '10.44.1.11');
	assert.equal(r.status, 200, `zhao login: ${r.status}`);
	// wang is bound: a new device is refused until it is approved
	r = await portalLogin('wang', pw.wang, '10.44.1.12');
	assert.equal(r.status, 403, `wang login: ${r.status}`);
	// wrong passwords from one address: the account and the address lock
	for (let i = 0; i < ATTEMPTS; i++)
		await portalLogin('mallory', 'not the password', '198.51.100.7');
	r = await decide(`https://${APP_HOST}/health`, '10.44.1.10');
	assert.equal(r.status, 200);
	r = await decide(`https://${APP_HOST}/private/report.pdf`, '10.44.1.10');
	assert.equal(r.status, 403);
	r = await decide(`https://${APP_HOST}/private/x`, '203.0.113.9');
	assert.equal(r.status, 403);
	// wait until the store has what the pages show: the per-rule counters
	// (flushed every second) and the count of failed logins for unknown
	// names (mallory), written when its 1 s window closes
	await waitUntil(() => storeSays('SELECT (SELECT denies FROM ' +
		'gate_rule_stats WHERE rule = \'blocked\') || \' \' || ' +
		'(SELECT allows FROM gate_rule_stats WHERE rule = \'health\') ' +
		'|| \' \' || (SELECT count(*) FROM audit WHERE action = ' +
		'\'gate.login.unknown\')') === '2 1 1',
		'gate counters and the unknown-name record in the store');
}

// One value from the store (read-only), as text.
function storeSays(sql) {
	const q = spawnSync('sqlite3', ['-readonly', db, sql],
		{ encoding: 'utf8' });
	return q.status === 0 ? q.stdout.trim() : `error: ${q.stderr}`;
}

function newPage(locale) {
	return openPage(browser, { locale, baseURL,
		viewport: { width: 1360, height: 900 } }, problems);
}

async function shot(page, name) {
	if (SHOTS)
		await page.screenshot({ path: path.join(SHOTS, name),
			fullPage: true });
}

async function login(page, name) {
	await submitLogin(page, name, pw[name]);
	await page.locator('#dashboard').waitFor();
}

// Opens the policy editor (a <details> that remembers being open).
async function openEditor(page) {
	const box = page.locator('details#policy-editor');
	await box.waitFor();
	if (!await box.evaluate((d) => d.open))
		await page.click('#policy-editor-toggle');
	await page.locator('#policy-json').waitFor();
}

async function rowsAttr(page, selector, attr) {
	return page.locator(selector).evaluateAll((trs, a) =>
		trs.map((tr) => tr.getAttribute(a)), attr);
}

before(async () => {
	await startDaemon();
	await makeTraffic();
	if (SHOTS)
		mkdirSync(SHOTS, { recursive: true });
	browser = await launchChromium();
});

after(() => tearDown(browser, daemon, tmp));

let page = null; // the administrator's page the tests share

test('the policy page lists rules in order, networks and the whitelist',
	async () => {
	page = await newPage('en-US');
	await login(page, 'admin');
	await page.click('#nav-gate-policy');
	await page.locator('#gate-policy-page').waitFor();
	assert.equal(await page.locator('#nav-gate-policy')
		.getAttribute('aria-current'), 'page');
	assert.deepEqual(await rowsAttr(page, 'table#gate-rules tbody tr',
		'data-rule'),
		['health', 'blocked', 'admin', 'abroad', 'staff', 'default']);
	const admin = page.locator('table#gate-rules tr[data-rule="admin"]');
	const text = await admin.textContent();
	for (const s of ['oa.example.gov.cn', '^/admin/', 'office',
		'group:ops', 'approved', 'mon-fri 08:00-20:00', 'Two factors'])
		assert.ok(text.includes(s), `admin rule lacks '${s}': ${text}`);
	assert.equal(await page.locator('table#gate-rules tr[data-rule="blocked"]')
		.getAttribute('data-action'), 'deny');
	// per-rule counters beside the rules
	assert.match(await page.locator(
		'table#gate-rules tr[data-rule="blocked"]').textContent(),
		/2 denied/);
	// network sets with their exclusions
	const office = page.locator('table#gate-networks tr[data-network="office"]');
	assert.match(await office.textContent(), /10\.44\.0\.0\/16/);
	assert.match(await office.locator('.tag-excl').textContent(),
		/10\.44\.99\.0\/24/);
	// whitelist: the expired entry is marked, the current one active
	const wl = 'table#gate-whitelist tbody tr';
	assert.equal(await page.locator(`${wl}[data-entry="li-trip"]`)
		.getAttribute('data-state'), 'active');
	const old = page.locator(`${wl}[data-entry="wang-old"]`);
	assert.equal(await old.getAttribute('data-state'), 'expired');
	assert.match(await old.textContent(), /Expired/);
	assert.match(await page.locator(`${wl}[data-entry="li-trip"]`)
		.textContent(), /Europe\/Berlin/);
	await shot(page, 'gate-policy-en.png');
});

test('the policy editor shows the server\'s refusal and saves a valid ' +
	'policy with the CSRF token', async () => {
	await openEditor(page);
	const ta = page.locator('#policy-json');
	const doc = JSON.parse(await ta.inputValue());
	assert.equal(doc.rules.length, 5);

	// a document the server refuses: the message shows, nothing changes
	const bad = structuredClone(doc);
	bad.rules.push({ name: 'oops', action: 'allow' });
	await ta.fill(JSON.stringify(bad, null, 2));
	const [refused] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/gate/policy') &&
			r.request().method() === 'PUT'),
		page.click('#policy-save'),
	]);
	assert.equal(refused.status(), 422);
	const err = page.locator('#policy-error');
	await err.waitFor({ state: 'visible' });
	assert.match(await err.textContent(), /refused.*action/i);
	assert.equal(await ta.getAttribute('aria-invalid'), 'true');
	// not JSON at all is the server's to judge too
	await ta.fill('{"rules": [');
	await page.click('#policy-save');
	await page.waitForFunction(() => /refused/i.test(
		document.getElementById('policy-error').textContent) &&
		!document.getElementById('policy-save').disabled);
	await shot(page, 'gate-policy-refused.png');
	await page.goto('/#/gate/policy');
	await page.locator('table#gate-rules tr[data-rule="health"]').waitFor();
	assert.equal(await page.locator('table#gate-rules tbody tr').count(), 6);

	// a valid change: a new rule before the catch-all
	await openEditor(page);
	const good = structuredClone(doc);
	good.rules.splice(4, 0, { name: 'vpn-reports', path: '^/reports/',
		networks: ['vpn'], action: 'one_factor' });
	await page.locator('#policy-json').fill(JSON.stringify(good, null, 2));
	const [saved] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/gate/policy') &&
			r.request().method() === 'PUT'),
		page.click('#policy-save'),
	]);
	assert.equal(saved.status(), 200, await saved.text());
	assert.ok(saved.request().headers()['x-csrf-token']);
	await page.locator('#gate-flash.banner-ok').waitFor();
	assert.deepEqual(await rowsAttr(page, 'table#gate-rules tbody tr',
		'data-rule'), ['health', 'blocked', 'admin', 'abroad',
		'vpn-reports', 'staff', 'default']);
});

test('gate users show groups, TOTP enrolment and binding, as text',
	async () => {
	await page.click('#nav-gate-users');
	const rows = 'table#gate-users tbody tr';
	await page.locator(rows).first().waitFor();
	assert.deepEqual(await rowsAttr(page, rows, 'data-user'),
		['li', 'wang', 'zhao']);
	const li = page.locator(`${rows}[data-user="li"]`);
	assert.equal(await li.getAttribute('data-totp'), 'true');
	assert.equal(await li.getAttribute('data-bound'), 'false');
	assert.match(await li.textContent(), /李雷/);
	assert.match(await li.textContent(), /ops/);
	assert.match(await li.textContent(), /Enrolled/);
	const wang = page.locator(`${rows}[data-user="wang"]`);
	assert.equal(await wang.getAttribute('data-bound'), 'true');
	assert.match(await wang.textContent(), /Bound/);
	assert.match(await wang.textContent(), /1 awaiting approval/);
	const zhao = page.locator(`${rows}[data-user="zhao"]`);
	assert.match(await zhao.textContent(), /<img src=x id=gate-xss>赵敏/);
	assert.equal(await page.locator('#gate-xss').count(), 0);
	assert.equal(await page.locator('#view img').count(), 0);
	await shot(page, 'gate-users-en.png');
});

test('an administrator invites a user to set up a one-time code',
	async () => {
	const rows = 'table#gate-users tbody tr';
	// li has TOTP: nothing to invite to
	assert.equal(await page.locator(
		`${rows}[data-user="li"] [data-testid="invite"]`).count(), 0);
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith(
			'/api/gate/users/zhao/invite')),
		page.locator(`${rows}[data-user="zhao"] [data-testid="invite"]`)
			.click(),
	]);
	assert.equal(resp.status(), 204);
	assert.deepEqual(resp.request().postDataJSON(), { hours: 72 });
	await page.locator('#gate-flash', { hasText: 'zhao' }).waitFor();
	assert.match(await page.locator(
		`${rows}[data-user="zhao"] [data-testid="invited"]`).textContent(),
		/invited to set up until \d{4}-\d\d-\d\d/);
});

test('security keys are listed and a lost one is removed', async () => {
	const rows = 'table#gate-users tbody tr';
	assert.match(await page.locator(`${rows}[data-user="li"]`).textContent(),
		/1 security key\(s\)/);
	const key = page.locator('table#gate-keys tr[data-id="a2V5LW9mLWxp"]');
	assert.match(await key.textContent(), /li\s*YubiKey 5/);
	page.once('dialog', (d) => d.accept());
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith(
			'/api/gate/keys/a2V5LW9mLWxp')),
		key.locator('[data-testid="key-remove"]').click(),
	]);
	assert.equal(resp.request().method(), 'DELETE');
	assert.equal(resp.status(), 204);
	await page.locator('#gate-flash', { hasText: 'li' }).waitFor();
	assert.equal(await page.locator('table#gate-keys').count(), 0);
});

test('a device awaiting approval is approved through the console',
	async () => {
	await page.click('#nav-gate-devices');
	const pending = 'table#gate-pending tbody tr';
	await page.locator(pending).first().waitFor();
	// li has a second factor (TOTP): her password alone registered none
	assert.deepEqual((await rowsAttr(page, pending, 'data-user')).sort(),
		['wang', 'zhao']);
	assert.equal(await page.locator('#gate-approved-empty').count(), 1);
	await shot(page, 'gate-devices-en.png');
	const row = page.locator(`${pending}[data-user="wang"]`);
	const id = await row.getAttribute('data-device');
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith(
			`/api/gate/devices/${id}/approve`)),
		row.locator('[data-testid="approve"]').click(),
	]);
	assert.equal(resp.status(), 204);
	assert.ok(resp.request().headers()['x-csrf-token']);
	await page.locator('#gate-flash', { hasText: id }).waitFor();
	const approved = page.locator(
		`table#gate-approved tbody tr[data-device="${id}"]`);
	await approved.waitFor();
	assert.match(await approved.textContent(), /console:admin/);
	assert.equal(await page.locator(
		`table#gate-pending tr[data-device="${id}"]`).count(), 0);
	// the gate believes it: wang's device logs in now
	// (the approval is in the store; the device cookie is not kept here,
	// so this only checks the state the console shows)
	await shot(page, 'gate-devices-approved.png');
});

test('lockouts of an account and an address, and unlocking one',
	async () => {
	await page.click('#nav-gate-lockouts');
	const rows = 'table#gate-lockouts tbody tr';
	await page.locator(rows).first().waitFor();
	assert.deepEqual((await rowsAttr(page, rows, 'data-key')).sort(),
		['addr:198.51.100.7', 'user:mallory']);
	const m = page.locator(`${rows}[data-key="user:mallory"]`);
	assert.match(await m.textContent(), new RegExp(`Account.*mallory` +
		`\\s*${ATTEMPTS}`));
	assert.match(await m.textContent(), /ends in \d+ min/);
	await shot(page, 'gate-lockouts-en.png');
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith(
			'/api/gate/lockouts/mallory')),
		m.locator('[data-testid="unlock"]').click(),
	]);
	assert.equal(resp.status(), 204);
	assert.equal(resp.request().method(), 'DELETE');
	await page.locator('#gate-flash', { hasText: 'mallory' }).waitFor();
	assert.deepEqual(await rowsAttr(page, rows, 'data-key'),
		['addr:198.51.100.7']);
});

test('sessions by user, and revoking a user\'s sessions', async () => {
	await page.click('#nav-gate-sessions');
	const users = 'table#gate-session-users tbody tr';
	await page.locator(users).first().waitFor();
	assert.deepEqual(await rowsAttr(page, users, 'data-user'),
		['li', 'zhao']);
	assert.equal(await page.locator('table#gate-sessions tbody tr').count(),
		2);
	assert.match(await page.locator(
		'table#gate-sessions tr[data-user="li"]').textContent(),
		/Password/);
	await shot(page, 'gate-sessions-en.png');
	let asked = '';
	page.once('dialog', (d) => {
		asked = d.message();
		d.accept();
	});
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith(
			'/api/gate/users/zhao/revoke')),
		page.locator(`${users}[data-user="zhao"] [data-testid="revoke"]`)
			.click(),
	]);
	assert.match(asked, /zhao/);
	assert.equal(resp.status(), 204);
	assert.ok(resp.request().headers()['x-csrf-token']);
	await page.locator('#gate-flash', { hasText: 'zhao' }).waitFor();
	assert.deepEqual(await rowsAttr(page, users, 'data-user'), ['li']);
	assert.deepEqual(await rowsAttr(page, 'table#gate-sessions tbody tr',
		'data-user'), ['li']);
});

test('a session\'s state, and ending that one session', async () => {
	// a second session of li, from another browser
	const r = await portalLogin('li', pw.li, '10.44.1.20');
	assert.equal(r.status, 200);
	await page.click('#nav-gate-policy');
	await page.click('#nav-gate-sessions');
	const rows = 'table#gate-sessions tr[data-user="li"]';
	await page.locator(rows).nth(1).waitFor();
	const row = page.locator(rows).first();
	assert.equal(await row.locator('[data-state]').getAttribute(
		'data-state'), 'active');
	assert.match(await row.textContent(), /Active, ends in \d+ (min|s)/);
	const ids = await rowsAttr(page, rows, 'data-id');
	assert.equal(ids.length, 2);
	assert.ok(ids.every((id) => /^[0-9a-f]{16}$/.test(id)), ids);
	page.once('dialog', (d) => d.accept());
	const [resp] = await Promise.all([
		page.waitForResponse((x) => x.url().endsWith(
			`/api/gate/sessions/${ids[0]}`)),
		row.locator('[data-testid="end-session"]').click(),
	]);
	assert.equal(resp.request().method(), 'DELETE');
	assert.equal(resp.status(), 204);
	await page.locator('#gate-flash', { hasText: 'li' }).waitFor();
	assert.deepEqual(await rowsAttr(page, rows, 'data-id'), [ids[1]]);
});

test('decisions: counters per rule and recent events with a filter',
	async () => {
	await page.click('#nav-gate-decisions');
	const stats = 'table#gate-stats tbody tr';
	await page.locator(stats).first().waitFor();
	const blocked = page.locator(`${stats}[data-rule="blocked"]`);
	assert.match(await blocked.textContent(), /blocked\s*2\s*Deny\s*0\s*2/);
	assert.match(await page.locator(`${stats}[data-rule="health"]`)
		.textContent(), /health\s*1\s*Bypass\s*1\s*0/);
	const ev = 'table#gate-decisions tbody tr';
	await page.locator(ev).first().waitFor();
	const actions = new Set(await rowsAttr(page, ev, 'data-action'));
	for (const a of ['gate.deny', 'gate.login', 'gate.login.unknown',
		'gate.lockout', 'gate.device.approve', 'gate.unlock',
		'gate.revoke', 'gate.policy'])
		assert.ok(actions.has(a), `no ${a} in ${[...actions]}`);
	const deny = page.locator(`${ev}[data-action="gate.deny"]`).first();
	assert.match(await deny.textContent(), /rule 'blocked'/);
	await shot(page, 'gate-decisions-en.png');
	await page.selectOption('#decisions-filter', 'deny');
	await page.waitForFunction(() => [...document.querySelectorAll(
		'table#gate-decisions tbody tr')].every((tr) =>
		tr.getAttribute('data-kind') === 'deny'));
	assert.match(await page.locator('#decisions-count').textContent(),
		/of the latest \d+ events/);
});

test('the gate pages in Chinese', async () => {
	await page.click('#nav-gate-policy');
	await page.locator('#gate-policy-page').waitFor();
	await page.click('#lang-toggle');
	await page.locator('#nav-gate-label', { hasText: '访问控制' }).waitFor();
	assert.equal(await page.locator('#nav-gate-policy').textContent(),
		'访问策略');
	await page.locator('#gate-policy-page h1', { hasText: '访问策略' })
		.waitFor();
	const heads = await page.locator('table#gate-rules thead th')
		.allTextContents();
	assert.ok(heads.includes('条件') && heads.includes('动作'), heads);
	assert.match(await page.locator(
		'table#gate-whitelist tr[data-entry="wang-old"]').textContent(),
		/已过期/);
	assert.match(await page.locator(
		'table#gate-rules tr[data-rule="admin"]').textContent(), /双因子/);
	await shot(page, 'gate-policy-zh.png');
	await page.click('#nav-gate-users');
	await page.locator('table#gate-users thead th', { hasText: '动态口令' })
		.waitFor();
	assert.match(await page.locator(
		'table#gate-users tr[data-user="li"]').textContent(), /已登记/);
	await page.click('#nav-gate-devices');
	await page.locator('#gate-devices-page h1', { hasText: '设备审批' })
		.waitFor();
	assert.ok(await page.locator('[data-testid="approve"]', {
		hasText: '批准' }).count() >= 1);
	await shot(page, 'gate-devices-zh.png');
	if (SHOTS) { // the narrow layout, for people to look at
		await page.setViewportSize({ width: 400, height: 860 });
		await shot(page, 'gate-devices-zh-narrow.png');
		await page.setViewportSize({ width: 1360, height: 900 });
	}
	await page.click('#nav-gate-lockouts');
	await page.locator('table#gate-lockouts', { hasText: '地址' }).waitFor();
	await page.click('#nav-gate-sessions');
	await page.locator('[data-testid="revoke"]', { hasText: '撤销会话' })
		.waitFor();
	await page.click('#nav-gate-decisions');
	await page.locator('#gate-stats-panel h2', { hasText: '各规则决策计数' })
		.waitFor();
	await page.locator('table#gate-decisions', { hasText: '拒绝' }).waitFor();
	await shot(page, 'gate-decisions-zh.png');
	await page.click('#lang-toggle');
	await page.locator('#nav-gate-label', { hasText: 'Access gate' })
		.waitFor();
	await page.context().close();
	page = null;
});

test('a viewer sees the gate but cannot change it', async () => {
	const v = await newPage('en-US');
	await login(v, 'watcher');
	await v.goto('/#/gate/devices');
	await v.locator('table#gate-pending tbody tr').first().waitFor();
	assert.equal(await v.locator('[data-testid="approve"]').count(), 0);
	await v.goto('/#/gate/policy');
	await v.locator('table#gate-rules').waitFor();
	assert.equal(await v.locator('#policy-save').count(), 0);
	assert.equal(await v.locator('#policy-json').getAttribute('readonly'),
		'');
	await v.goto('/#/gate/sessions');
	await v.locator('table#gate-sessions').waitFor();
	assert.equal(await v.locator('[data-testid="revoke"]').count(), 0);
	assert.equal(await v.locator('[data-testid="end-session"]').count(), 0);
	await v.goto('/#/gate/users');
	await v.locator('table#gate-users').waitFor();
	for (const b of ['invite', 'bind', 'unbind', 'disable', 'enable',
		'password', 'delete'])
		assert.equal(await v.locator(`[data-testid="${b}"]`).count(), 0, b);
	await v.goto('/#/gate/devices');
	await v.locator('table#gate-pending').waitFor();
	for (const b of ['unapprove', 'device-delete'])
		assert.equal(await v.locator(`[data-testid="${b}"]`).count(), 0, b);
	await v.goto('/#/gate/decisions');
	await v.locator('#gate-decisions-role').waitFor();
	assert.ok(await v.locator('table#gate-stats tbody tr').count() > 0);
	// and the server says no all the same
	const st = await v.evaluate(async () => {
		const me = await (await fetch('/api/me')).json();
		const r = await fetch('/api/gate/users/li/revoke', {
			method: 'POST', headers: { 'X-CSRF-Token': me.csrf } });
		return r.status;
	});
	assert.equal(st, 403);
	await v.context().close();
});

test('an approval is withdrawn and a device deleted through the console',
	async () => {
	const a = await newPage('en-US');
	await login(a, 'admin');
	await a.click('#nav-gate-devices');
	const ok = 'table#gate-approved tbody tr[data-user="wang"]';
	await a.locator(ok).waitFor();
	const id = await a.locator(ok).getAttribute('data-device');
	assert.match(await a.locator(ok).textContent(), /Password only/);
	a.once('dialog', (d) => d.accept());
	const [resp] = await Promise.all([
		a.waitForResponse((r) => r.url().endsWith(
			`/api/gate/devices/${id}/unapprove`)),
		a.locator(`${ok} [data-testid="unapprove"]`).click(),
	]);
	assert.equal(resp.status(), 204);
	assert.ok(resp.request().headers()['x-csrf-token']);
	await a.locator('#gate-flash', { hasText: id }).waitFor();
	const pend = 'table#gate-pending tbody tr';
	await a.locator(`${pend}[data-device="${id}"]`).waitFor();
	// zhao's pending device is deleted
	const z = a.locator(`${pend}[data-user="zhao"]`);
	const zid = await z.getAttribute('data-device');
	let asked = '';
	a.once('dialog', (d) => {
		asked = d.message();
		d.accept();
	});
	const [del] = await Promise.all([
		a.waitForResponse((r) => r.url().endsWith(
			`/api/gate/devices/${zid}`)),
		z.locator('[data-testid="device-delete"]').click(),
	]);
	assert.match(asked, new RegExp(zid));
	assert.equal(del.request().method(), 'DELETE');
	assert.equal(del.status(), 204);
	await a.locator('#gate-flash', { hasText: zid }).waitFor();
	assert.equal(await a.locator(`[data-device="${zid}"]`).count(), 0);
	await a.context().close();
});

test('a gate user is bound, unbound, disabled, enabled, given a new ' +
	'password and deleted',
	async () => {
	const a = await newPage('en-US');
	await login(a, 'admin');
	await a.click('#nav-gate-users');
	const row = 'table#gate-users tbody tr[data-user="zhao"]';
	await a.locator(row).waitFor();
	// every button but enable and unbind asks first
	const click = async (testid, url, method = 'POST') => {
		if (testid !== 'enable' && testid !== 'unbind')
			a.once('dialog', (d) => d.accept());
		const [resp] = await Promise.all([
			a.waitForResponse((r) => r.url().endsWith(url) &&
				r.request().method() === method),
			a.locator(`${row} [data-testid="${testid}"]`).click(),
		]);
		assert.ok(resp.request().headers()['x-csrf-token']);
		return resp;
	};
	let resp = await click('bind', '/api/gate/users/zhao/bind');
	assert.equal(resp.status(), 204);
	await a.locator(`${row}[data-bound="true"] [data-testid="unbind"]`)
		.waitFor();
	resp = await click('unbind', '/api/gate/users/zhao/unbind');
	assert.equal(resp.status(), 204);
	await a.locator(`${row}[data-bound="false"] [data-testid="bind"]`)
		.waitFor();
	resp = await click('disable', '/api/gate/users/zhao/disable');
	assert.equal(resp.status(), 204);
	await a.locator('#gate-flash', { hasText: 'zhao' }).waitFor();
	await a.locator(`${row}[data-disabled="true"] [data-testid="disabled"]`)
		.waitFor();
	// the gate answers zhao's right password like a wrong one
	let r = await portalLogin('zhao', pw.zhao, '10.44.1.30');
	assert.equal(r.status, 401);
	resp = await click('enable', '/api/gate/users/zhao/enable');
	assert.equal(resp.status(), 204);
	await a.locator(`${row}[data-disabled="false"]`).waitFor();
	resp = await click('password', '/api/gate/users/zhao/password');
	assert.equal(resp.status(), 200);
	const made = (await a.locator('[data-testid="gate-flash-code"]')
		.textContent()).trim();
	assert.match(made, /^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/);
	await shot(a, 'gate-users-password.png');
	assert.equal((await portalLogin('zhao', pw.zhao, '10.44.1.30')).status,
		401);
	r = await portalLogin('zhao', made, '10.44.1.30');
	assert.equal(r.status, 200);
	resp = await click('delete', '/api/gate/users/zhao', 'DELETE');
	assert.equal(resp.status(), 204);
	await a.locator('#gate-flash', { hasText: 'zhao' }).waitFor();
	assert.equal(await a.locator(row).count(), 0);
	r = await portalLogin('zhao', made, '10.44.1.30');
	assert.equal(r.status, 401);
	await a.context().close();
});

test('no CSP violations or script errors on any gate page', () => {
	assert.deepEqual(problems, []);
});
