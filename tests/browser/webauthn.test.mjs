// webauthn.test.mjs: security keys at the gate's login portal, in headless
// Chromium with its virtual authenticator (DevTools WebAuthn domain: a
// real CTAP2 authenticator in the browser, real keys and signatures). The
// portal is opened at http://localhost:PORT (a secure context, so
// navigator.credentials works; RP ID "localhost").
//
// An administrator invites a user; the user signs in with the password,
// chooses "use a security key instead" on the enrolment page, the
// authenticator makes a key, the gate verifies the attestation, stores
// the key, and the user is signed in with two factors. In a new browser
// the user signs in with password and key; an assertion from an unknown
// authenticator, a wrong password and a removed key are refused; the sign
// count grows and is stored; the audit has the registration; a removed
// key is not asked for.
//
// Run: `node --test tests/browser/` (see console.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Daemon, assertBuilt, freePort, launchChromium, openPage, runBin,
	tearDown } from './harness.mjs';

let tmp = null;
let db = null;
let daemon = null;
let browser = null;
let gate = '';
const pw = 'Key!' + randomBytes(10).toString('hex');
const problems = [];

function run(args, input) {
	return runBin('govsec', ['--db', db, ...args], input);
}

// One value from the store, read with Debian's sqlite3 (a build
// dependency of the project).
function sql(query) {
	const r = spawnSync('sqlite3', [db, query], { encoding: 'utf8' });
	if (r.status !== 0)
		throw new Error(`sqlite3: ${r.stderr}`);
	return r.stdout.trim();
}

// A page with a virtual authenticator of its own (a "security key").
async function keyPage() {
	const page = await openPage(browser, { locale: 'en-US' }, problems);
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('WebAuthn.enable');
	const { authenticatorId } = await cdp.send(
		'WebAuthn.addVirtualAuthenticator', { options: {
			protocol: 'ctap2', transport: 'usb',
			hasResidentKey: false, hasUserVerification: true,
			isUserVerified: true,
			automaticPresenceSimulation: true } });
	return { page, cdp, authenticatorId };
}

async function fillLogin(page, password) {
	await page.goto(`${gate}/govsec/login?lang=en&rd=` +
		encodeURIComponent(DONE()));
	await page.fill('#username', 'kim');
	await page.fill('#password', password);
}

before(async () => {
	assertBuilt();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'govsec-webauthn-'));
	db = path.join(tmp, 'govsec.db');
	run(['init']);
	run(['gate', 'user', 'add', 'kim', '--groups', 'staff'], pw + '\n');
	run(['gate', 'invite', 'kim']);
	const cport = await freePort();
	const gport = await freePort();
	const conf = path.join(tmp, 'govsec.conf');
	writeFileSync(conf, [
		'[store]', `path = ${db}`, '',
		'[console]', `listen = 127.0.0.1:${cport}`, '',
		'[gate]', `listen = 127.0.0.1:${gport}`,
		'trusted_proxies = 127.0.0.1', 'threads = 2', '',
	].join('\n'));
	daemon = new Daemon(conf);
	await daemon.ready(`http://127.0.0.1:${gport}/govsec/health`);
	gate = `http://localhost:${gport}`;
	browser = await launchChromium();
});

after(() => tearDown(browser, daemon, tmp));

let key = null; // the registered authenticator's page, CDP session, id
// where the portal sends the user after signing in (rd): a page that
// answers 200 on the same host
const DONE = () => `${gate}/govsec/login?lang=zh&signed-in`;

test('an invited user registers a security key instead of a code',
	async () => {
	key = await keyPage();
	const { page } = key;
	await fillLogin(page, pw);
	await page.click('main form button[type="submit"]');
	// the enrolment page, with the script's extra button
	await page.locator('#secret').waitFor();
	const button = page.locator('#key-button');
	assert.equal(await button.textContent(), 'Use a security key instead');
	await Promise.all([
		page.waitForURL(DONE()),
		button.click(),
	]);
	const { credentials } = await key.cdp.send('WebAuthn.getCredentials',
		{ authenticatorId: key.authenticatorId });
	assert.equal(credentials.length, 1);
	// stored, with its public key; the invitation is over
	assert.equal(sql('SELECT user || \'|\' || alg FROM gate_webauthn'),
		'kim|-7');
	assert.equal(sql('SELECT id FROM gate_webauthn'),
		credentials[0].credentialId.replace(/\+/g, '-')
			.replace(/\//g, '_').replace(/=+$/, ''));
	assert.equal(sql('SELECT enrol_until FROM gate_users'), '0');
	assert.equal(sql('SELECT count(*) FROM gate_sessions WHERE user = ' +
		'\'kim\' AND level = 2'), '1');
	assert.match(sql('SELECT actor || \' \' || action FROM audit WHERE ' +
		'action = \'gate.webauthn.register\''), /^gate:kim gate\.webauthn/);
});

test('the user signs in with password and security key', async () => {
	const { page } = key;
	await page.context().clearCookies();
	await fillLogin(page, pw);
	await Promise.all([
		page.waitForURL(DONE()),
		page.click('#key-button'),
	]);
	const cookies = await page.context().cookies();
	assert.ok(cookies.some((c) => c.name === '__Host-govsec'));
	assert.equal(sql('SELECT count(*) FROM gate_sessions WHERE user = ' +
		'\'kim\' AND level = 2'), '2');
	// the authenticator's counter is kept, so a clone would show
	assert.ok(Number(sql('SELECT sign_count FROM gate_webauthn')) >= 1);
	assert.match(sql('SELECT last_used FROM gate_webauthn'), /^\d{4}-/);
});

test('a wrong password is refused before any key is asked', async () => {
	const { page } = key;
	await page.context().clearCookies();
	await fillLogin(page, pw + 'x');
	await page.click('#key-button');
	await page.locator('#msg[role="alert"]', {
		hasText: 'Wrong user name, password or code.' }).waitFor();
	assert.equal(await page.url().includes('/govsec/login'), true);
});

test('a tampered assertion is refused by the gate and audited', async () => {
	const { page } = key;
	await page.context().clearCookies();
	await fillLogin(page, pw);
	let sent = null;
	await page.route('**/govsec/key/login/finish', (route) => {
		const body = JSON.parse(route.request().postData());
		// another message than the one signed
		const ad = Buffer.from(body.authenticatorData, 'base64url');
		ad[ad.length - 1] ^= 1;
		body.authenticatorData = ad.toString('base64url');
		sent = body;
		route.continue({ postData: JSON.stringify(body) });
	});
	await page.click('#key-button');
	await page.locator('#msg[role="alert"]', {
		hasText: 'The security key was not accepted.' }).waitFor();
	await page.unroute('**/govsec/key/login/finish');
	assert.ok(sent && sent.handle);
	assert.ok(!(await page.context().cookies()).some((c) =>
		c.name === '__Host-govsec'));
	assert.match(sql('SELECT after FROM audit WHERE action = ' +
		'\'gate.login.fail\' ORDER BY seq DESC LIMIT 1'),
		/^security key: /);
	// the challenge went with the refusal: the same answer again is late
	const again = await page.evaluate(async (b) => {
		const r = await fetch('/govsec/key/login/finish', { method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(b) });
		return r.status;
	}, sent);
	assert.equal(again, 410);
});

test('another authenticator (not registered) is refused', async () => {
	const other = await keyPage();
	await fillLogin(other.page, pw);
	await other.page.click('#key-button');
	// the browser finds none of the allowed credentials: NotAllowedError
	await other.page.locator('#msg[role="alert"]', {
		hasText: 'The security key was not accepted.' }).waitFor();
	await other.page.context().close();
});

test('the Chinese page speaks Chinese', async () => {
	const { page } = key;
	await page.goto(`${gate}/govsec/login?lang=zh`);
	assert.equal(await page.locator('#key-button').textContent(),
		'使用安全密钥登录');
});

test('a lost key is removed with the CLI and no longer asked for',
	async () => {
	const list = run(['gate', 'keys']).trim().split('\n');
	assert.equal(list.length, 1);
	const [id, user, alg] = list[0].split('\t');
	assert.deepEqual([user, alg], ['kim', 'ES256']);
	run(['gate', 'key-rm', id]);
	assert.equal(run(['gate', 'keys']).trim(), '');
	assert.match(sql('SELECT object FROM audit WHERE action = ' +
		'\'gate.webauthn.remove\''), new RegExp(`'${id}'`));
	const { page } = key;
	await fillLogin(page, pw);
	await page.click('#key-button');
	await page.locator('#msg[role="alert"]', {
		hasText: 'No security key is registered' }).waitFor();
});

test('no CSP violations or script errors', () => {
	assert.deepEqual(problems, []);
});
