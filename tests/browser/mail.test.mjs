// mail.test.mjs: the console's mail-flow page (web/mail.js, MAIL-3) in
// headless Chromium against the real daemon: records as govsec-milter
// writes them (put into a fresh store with sqlite3; tests/e2e/test_mail.py
// has the milter write them for real), listed newest first, filtered by
// address and by Message-ID, a hostile field shown as text, both languages,
// no CSP violation or script error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Daemon, HOST, assertBuilt, freePort, launchChromium, openPage,
	runBin, submitLogin, tearDown } from './harness.mjs';

let tmp = null, daemon = null, browser = null, baseURL = '';
let password = '';
const problems = [];
const HOSTILE = '<img src=x onerror=alert(1)>';

before(async () => {
	assertBuilt();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'govsec-browser-mail-'));
	const db = path.join(tmp, 'govsec.db');
	password = 'Gs!9' + randomBytes(12).toString('hex');
	runBin('govsec', ['--db', db, 'init']);
	runBin('govsec', ['--db', db, 'user', 'add', 'admin', '--role',
		'admin'], password + '\n');
	const now = Math.floor(Date.now() / 1000);
	const sql = `
INSERT INTO mail_flow VALUES ('a1', ${now - 60}, 'mx.gov.test', 'Q1',
 '127.0.0.1', 'alice@gov.test', 'm1@gov.test', 'x@out.test', '', 0,
 'accept', 'score 0 below the threshold 50');
INSERT INTO mail_flow VALUES ('a2', ${now}, 'govsec-outbound', 'Q2',
 '127.0.0.1', 'x2@out.test', 'm2@out.test',
 'ext@out.test(alice@gov.test)', 'foreign-sender,orcpt-local', 120,
 'quarantine', '${HOSTILE}');
INSERT INTO mail_flow_addr VALUES ('alice@gov.test', ${now - 60}, 'a1', 1),
 ('x@out.test', ${now - 60}, 'a1', 2), ('x2@out.test', ${now}, 'a2', 1),
 ('ext@out.test', ${now}, 'a2', 2), ('alice@gov.test', ${now}, 'a2', 4);
`;
	const r = spawnSync('sqlite3', [db], { input: sql, encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	const port = await freePort();
	const conf = path.join(tmp, 'govsec.conf');
	writeFileSync(conf, `[store]\npath = ${db}\n\n[console]\n` +
		`listen = 127.0.0.1:${port}\ntwo_factor = optional\n`);
	daemon = new Daemon(conf);
	await daemon.ready(`http://127.0.0.1:${port}/api/me`);
	baseURL = `http://${HOST}:${port}`;
	browser = await launchChromium();
});

after(async () => {
	await tearDown(browser, daemon, tmp);
});

test('the mail-flow page lists, filters and stays text-only', async () => {
	const page = await openPage(browser, { locale: 'en-US', baseURL },
		problems);
	await submitLogin(page, 'admin', password);
	await page.locator('#nav-mail').click();
	const rows = page.locator('table#mail-records tbody tr');
	await rows.first().waitFor();
	assert.equal(await rows.count(), 2);
	// newest first: the held forward
	assert.equal(await rows.nth(0).getAttribute('data-id'), 'a2');
	assert.equal(await rows.nth(0).locator('[data-decision]')
		.getAttribute('data-decision'), 'quarantine');
	assert.match(await rows.nth(0).innerText(), /Held/);
	// a hostile reason is text, not markup
	assert.ok((await rows.nth(0).innerText()).includes(HOSTILE));
	assert.equal(await page.locator('table#mail-records img').count(), 0);
	// by address: the original recipient finds both
	await page.fill('#mail-address', 'ALICE@gov.test');
	await page.click('#mail-search');
	await page.waitForFunction(() => document.querySelectorAll(
		'table#mail-records tbody tr').length === 2);
	await page.fill('#mail-address', 'x@out.test');
	await page.click('#mail-search');
	await page.waitForFunction(() => document.querySelectorAll(
		'table#mail-records tbody tr').length === 1);
	assert.equal(await rows.nth(0).getAttribute('data-id'), 'a1');
	// by Message-ID, with brackets
	await page.fill('#mail-address', '');
	await page.fill('#mail-message-id', '<m2@out.test>');
	await page.click('#mail-search');
	await page.waitForFunction(() => {
		const r = document.querySelectorAll('table#mail-records tbody tr');
		return r.length === 1 && r[0].getAttribute('data-id') === 'a2';
	});
	// nothing found
	await page.fill('#mail-message-id', 'none@x.test');
	await page.click('#mail-search');
	await page.locator('#mail-none').waitFor();
	// a bad address is the API's 400, shown in the banner
	await page.fill('#mail-message-id', '');
	await page.fill('#mail-address', 'not an address');
	await page.click('#mail-search');
	await page.locator('#error-banner:not([hidden])').waitFor();
	assert.match(await page.locator('#error-banner').innerText(),
		/not a mail address/);
	// Chinese
	await page.click('#lang-toggle');
	await page.locator('#mail-page h1', { hasText: '邮件流转' }).waitFor();
	assert.deepEqual(problems, []);
});
