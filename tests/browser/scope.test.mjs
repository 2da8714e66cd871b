// scope.test.mjs: a console account scoped to a unit (issue 8, item 13) in
// headless Chromium against the real daemon: the header names the scope in
// English and Chinese, the gate's pages are not offered, and the dashboard
// lists only the unit and its subordinates. Imports data/demo.json, adds an administrator of all units
// and an account scoped to 台山市人民政府 (two units below it). Environment
// as console.test.mjs (GOVSEC_BUILD, GOVSEC_SRC, CHROMIUM).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Daemon, HOST, SRC, assertBuilt, freePort, launchChromium, openPage,
	runBin, submitLogin, tearDown } from './harness.mjs';

const TAISHAN = '11440781007251013E'; // 台山市人民政府
let tmp = null;
let daemon = null;
let browser = null;
let baseURL = '';
const password = 'Gs!9' + randomBytes(12).toString('hex');
const problems = [];

before(async () => {
	assertBuilt();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'govsec-scope-'));
	const db = path.join(tmp, 'govsec.db');
	runBin('govsec', ['--db', db, 'import',
		path.join(SRC, 'data', 'demo.json')]);
	runBin('govsec', ['--db', db, 'user', 'add', 'root', '--role',
		'admin'], password + '\n');
	runBin('govsec', ['--db', db, 'user', 'add', 'taishan', '--role',
		'operator', '--unit', TAISHAN], password + '\n');
	const port = await freePort();
	const conf = path.join(tmp, 'govsec.conf');
	writeFileSync(conf, `[store]\npath = ${db}\n\n[console]\n` +
		`listen = 127.0.0.1:${port}\ntwo_factor = optional\n`);
	daemon = new Daemon(conf);
	await daemon.ready(`http://127.0.0.1:${port}/api/me`);
	baseURL = `http://${HOST}:${port}`;
	browser = await launchChromium();
});

after(() => tearDown(browser, daemon, tmp));

async function signIn(locale, name) {
	const page = await openPage(browser, { locale, baseURL }, problems);
	await submitLogin(page, name, password);
	await page.locator('#dashboard').waitFor();
	return page;
}

test('a scoped account sees its scope in the header and only its units',
	async () => {
	const page = await signIn('en-US', 'taishan');
	const user = page.locator('#current-user');
	// The login reply has no scope; the console asks /api/me for it.
	await page.waitForFunction(() => document.getElementById(
		'current-user').textContent.includes('11440781007251013E'));
	assert.match(await user.textContent(),
		/taishan.*scope: 台山市人民政府 \(11440781007251013E\) and its subordinate units/);
	// the gate's pages concern no unit: not offered to a scoped account
	assert.ok(await page.locator('#nav-gate-policy').isHidden());
	// nor counterfeit cases, a department's duty (their API refuses it)
	assert.ok(await page.locator('#nav-counterfeit').isHidden());
	assert.ok(await page.locator('#nav-units').isVisible());
	const rows = page.locator('table#by-unit tbody tr');
	assert.equal(await rows.count(), 3);
	for (const text of await rows.allTextContents())
		assert.match(text, /台山市/);
	await page.context().close();

	const zh = await signIn('zh-CN', 'taishan');
	await zh.waitForFunction(() => document.getElementById(
		'current-user').textContent.includes('11440781007251013E'));
	assert.match(await zh.locator('#current-user').textContent(),
		/范围：台山市人民政府（11440781007251013E）及下属单位/);
	await zh.context().close();
});

test('an account of all units shows no scope and every unit', async () => {
	const page = await signIn('en-US', 'root');
	// /api/me has answered once the dashboard shows; no scope follows.
	const me = await page.evaluate(async () =>
		(await fetch('/api/me')).json());
	assert.equal(me.scope, null);
	assert.doesNotMatch(await page.locator('#current-user').textContent(),
		/scope/);
	assert.ok(await page.locator('table#by-unit tbody tr').count() > 3);
	assert.ok(await page.locator('#nav-gate-policy').isVisible());
	assert.ok(await page.locator('#nav-counterfeit').isVisible());
	await page.context().close();
	assert.deepEqual(problems, []);
});
