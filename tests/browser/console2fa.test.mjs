// console2fa.test.mjs: the console's own second factor and password rules
// in headless Chromium against the real daemon ([console] two_factor at its
// default, required): the code step after the password (a wrong code is
// refused, an oathtool code lets in), a recovery code, an expired password
// changed before anything else, an account without a factor told what to
// do, the password form of a signed-in user, in English and Chinese, and a
// security key (Chromium's virtual authenticator) registered after a login
// and then used instead of a code.
//
// Run: `node --test tests/browser/console2fa.test.mjs` with GOVSEC_BUILD,
// GOVSEC_SRC and CHROMIUM as for console.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Daemon, HOST, assertBuilt, freePort, launchChromium, openPage,
	runBin, submitLogin, tearDown } from './harness.mjs';

const ADMIN_PW = 'Console-Boss-2fa!';
const OLD_PW = 'staff passphrase one';
let tmp = null;
let daemon = null;
let browser = null;
let baseURL = '';
let db = '';
let secret = '';
let recovery = [];
let keyedRecovery = [];
const problems = [];

function totp(s) {
	const r = spawnSync('/usr/bin/oathtool', ['--totp', '-b', s],
		{ encoding: 'utf8' });
	if (r.status !== 0)
		throw new Error('oathtool: ' + r.stderr);
	return r.stdout.trim();
}

// govsec user totp NAME: the secret and the recovery codes it printed.
function enrol(name) {
	const out = runBin('govsec', ['--db', db, 'user', 'totp', name]);
	return {
		secret: out.match(/^secret: ([A-Z2-7]+)$/m)[1],
		recovery: [...out.matchAll(/^ {2}([a-z2-9]{4}-[a-z2-9]{4})$/mg)]
			.map((m) => m[1]),
	};
}

before(async () => {
	assertBuilt();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'govsec-c2fa-'));
	db = path.join(tmp, 'govsec.db');
	runBin('govsec', ['--db', db, 'user', 'add', 'admin', '--role',
		'admin'], ADMIN_PW + '\n');
	runBin('govsec', ['--db', db, 'user', 'add', 'old', '--role',
		'viewer'], OLD_PW + '\n');
	runBin('govsec', ['--db', db, 'user', 'add', 'bare', '--role',
		'viewer'], OLD_PW + '\n');
	runBin('govsec', ['--db', db, 'user', 'add', 'keyed', '--role',
		'operator'], OLD_PW + '\n');
	({ recovery: keyedRecovery } = enrol('keyed'));
	({ secret } = enrol('admin'));
	({ recovery } = enrol('old'));
	// a password set long ago: [console] password_max_days is over
	const r = spawnSync('sqlite3', [db, 'UPDATE console_users SET ' +
		"password_changed = 1000 WHERE name = 'old'"]);
	assert.equal(r.status, 0);
	const port = await freePort();
	const conf = path.join(tmp, 'govsec.conf');
	writeFileSync(conf, ['[store]', `path = ${db}`, '', '[console]',
		`listen = 127.0.0.1:${port}`, ''].join('\n'));
	daemon = new Daemon(conf);
	await daemon.ready(`http://127.0.0.1:${port}/api/me`);
	baseURL = `http://${HOST}:${port}`;
	browser = await launchChromium();
});

after(() => tearDown(browser, daemon, tmp));

let page = null;

test('the password leads to the code step; a wrong code is refused',
	async () => {
	page = await openPage(browser, { locale: 'en-US', baseURL }, problems);
	await submitLogin(page, 'admin', ADMIN_PW);
	await page.locator('#code-form').waitFor();
	assert.equal(await page.locator('#code-title').textContent(),
		'Second factor');
	assert.equal(await page.locator('#nav').isVisible(), false);
	// the partial session opens nothing
	const st = await page.evaluate(() =>
		fetch('/api/me', { credentials: 'same-origin' })
			.then((r) => r.status));
	assert.equal(st, 401);
	const wrong = totp(secret) === '000000' ? '111111' : '000000';
	await page.fill('#login-code', wrong);
	await page.click('#code-submit');
	const err = page.locator('#code-error');
	await err.waitFor({ state: 'visible' });
	assert.equal(await err.textContent(), 'Wrong, used or expired code.');
	await page.fill('#login-code', totp(secret));
	await page.click('#code-submit');
	await page.locator('#dashboard').waitFor();
	assert.match(await page.locator('#current-user').textContent(),
		/admin/);
});

test('a signed-in user changes the password; the rules are explained',
	async () => {
	await page.click('#password-link');
	await page.locator('#pw-form').waitFor();
	await page.fill('#pw-current', ADMIN_PW);
	await page.fill('#pw-new', 'short-1A');
	await page.fill('#pw-again', 'short-1A');
	await page.click('#pw-submit');
	const err = page.locator('#pw-error');
	await err.waitFor({ state: 'visible' });
	assert.match(await err.textContent(), /too short.*12 characters/);
	await page.fill('#pw-current', ADMIN_PW);
	await page.fill('#pw-new', ADMIN_PW);
	await page.fill('#pw-again', ADMIN_PW);
	await page.click('#pw-submit');
	await page.locator('#pw-error', { hasText: 'used before' }).waitFor();
	await page.fill('#pw-current', ADMIN_PW);
	await page.fill('#pw-new', 'Another-Boss-2fa!');
	await page.fill('#pw-again', 'Another-Boss-2fa!');
	await page.click('#pw-submit');
	await page.locator('#pw-done').waitFor({ state: 'visible' });
	// the new session token still works for the API
	await page.click('#nav-dashboard');
	await page.locator('#dashboard').waitFor();
	await page.context().close();
});

test('Chinese: recovery code, then an expired password is changed',
	async () => {
	const zh = await openPage(browser, { locale: 'zh-CN', baseURL },
		problems);
	await submitLogin(zh, 'old', OLD_PW);
	await zh.locator('#code-form').waitFor();
	assert.equal(await zh.locator('#code-title').textContent(),
		'第二因素验证');
	assert.equal(await zh.locator('label[for="login-code"]')
		.textContent(), '动态码或恢复码');
	await zh.fill('#login-code', recovery[0]);
	await zh.click('#code-submit');
	await zh.locator('#pw-form').waitFor();
	assert.equal(await zh.locator('#pw-title').textContent(), '修改密码');
	assert.match(await zh.locator('#pw-intro').textContent(), /密码已过期/);
	await zh.fill('#pw-new', 'oldoldold-Ab1');
	await zh.fill('#pw-again', 'oldoldold-Ab1');
	await zh.click('#pw-submit');
	await zh.locator('#pw-error', { hasText: '不得包含用户名' }).waitFor();
	await zh.fill('#pw-new', 'Neue-Passwort-26');
	await zh.fill('#pw-again', 'Neue-Passwort-26');
	await zh.click('#pw-submit');
	await zh.locator('#dashboard').waitFor();
	await zh.context().close();
});

test('an account without the factor it needs is told what to do',
	async () => {
	const zh = await openPage(browser, { locale: 'zh-CN', baseURL },
		problems);
	await submitLogin(zh, 'bare', OLD_PW);
	const err = zh.locator('#login-error');
	await err.waitFor({ state: 'visible' });
	assert.match(await err.textContent(), /第二因素.*govsec user totp/);
	await zh.context().close();
});

test('a security key registered after a login stands in for the code',
	async () => {
	const kp = await openPage(browser, { locale: 'en-US', baseURL },
		problems);
	const cdp = await kp.context().newCDPSession(kp);
	await cdp.send('WebAuthn.enable');
	const { authenticatorId } = await cdp.send(
		'WebAuthn.addVirtualAuthenticator', { options: {
			protocol: 'ctap2', transport: 'usb',
			hasResidentKey: false, hasUserVerification: true,
			isUserVerified: true,
			automaticPresenceSimulation: true } });
	await submitLogin(kp, 'keyed', OLD_PW);
	await kp.locator('#code-form').waitFor();
	// no key yet: the button says to use a code
	await kp.click('#code-key');
	await kp.locator('#code-error', { hasText: 'no security key' })
		.waitFor();
	await kp.fill('#login-code', keyedRecovery[0]);
	await kp.click('#code-submit');
	await kp.locator('#dashboard').waitFor();
	await kp.click('#password-link');
	await kp.locator('#keys').waitFor();
	await kp.locator('#key-list', { hasText: 'No security key' }).waitFor();
	await kp.fill('#key-label', 'desk key');
	await kp.click('#key-register');
	await kp.locator('#key-list', { hasText: 'desk key' }).waitFor();
	const { credentials } = await cdp.send('WebAuthn.getCredentials',
		{ authenticatorId });
	assert.equal(credentials.length, 1);
	await kp.click('#logout');
	await kp.locator('#login-form').waitFor();
	await submitLogin(kp, 'keyed', OLD_PW);
	await kp.locator('#code-form').waitFor();
	await kp.click('#code-key');
	await kp.locator('#dashboard').waitFor();
	assert.match(await kp.locator('#current-user').textContent(),
		/keyed/);
	await kp.context().close();
});

test('no CSP violations or script errors on any page', () => {
	assert.deepEqual(problems, []);
});
