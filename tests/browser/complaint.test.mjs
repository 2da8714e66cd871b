// complaint.test.mjs: the public complaint form (CF-1) in headless Chromium
// against the real daemon's public listener: the page's own script solves
// the proof of work and sends the complaint, the tracking code it shows
// opens the tracking page, which tells the state and nothing private;
// flooding from one address, a reused and a forged challenge are refused.
// Then the console's counterfeit pages take the complaint's case through
// its steps in English and Chinese. Environment as console.test.mjs
// (GOVSEC_BUILD, GOVSEC_SRC, CHROMIUM).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Daemon, HOST, SRC, assertBuilt, freePort, launchChromium, openPage,
	runBin, submitLogin, tearDown } from './harness.mjs';

const GOV = '11440700007250010K'; // 江门市人民政府 (data/demo.json)
const BITS = 14;
const PER_HOUR = 3;
const CONTACT = '13912345678';
const SECRET_TEXT = '收到短信要求登录缴纳社保';
let tmp = null;
let daemon = null;
let browser = null;
let pub = '';
let consoleURL = '';
const password = 'Gs!9' + randomBytes(12).toString('hex');
const problems = [];

before(async () => {
	assertBuilt();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'govsec-complaint-'));
	const db = path.join(tmp, 'govsec.db');
	runBin('govsec', ['--db', db, 'import',
		path.join(SRC, 'data', 'demo.json')]);
	runBin('govsec', ['--db', db, 'user', 'add', 'chief', '--role',
		'admin'], password + '\n');
	const key = path.join(tmp, 'leave.key');
	writeFileSync(key, randomBytes(32), { mode: 0o600 });
	const port = await freePort(), cport = await freePort();
	const conf = path.join(tmp, 'govsec.conf');
	writeFileSync(conf, `[store]\npath = ${db}\n\n[console]\n` +
		`listen = 127.0.0.1:${cport}\ntwo_factor = optional\n\n` +
		`[public]\nlisten = 127.0.0.1:${port}\nleave_key = ${key}\n\n` +
		`[complaints]\npow_bits = ${BITS}\nper_hour = ${PER_HOUR}\n`);
	daemon = new Daemon(conf);
	await daemon.ready(`http://127.0.0.1:${port}/complaint`);
	await daemon.ready(`http://127.0.0.1:${cport}/api/me`);
	pub = `http://127.0.0.1:${port}`;
	consoleURL = `http://${HOST}:${cport}`;
	browser = await launchChromium();
});

after(() => tearDown(browser, daemon, tmp));

// Fills and sends the form; returns the page once the result shows.
async function fileComplaint(page, target) {
	await page.selectOption('#kind', 'domain');
	await page.fill('#target', target);
	await page.fill('#description', SECRET_TEXT);
	await page.fill('#contact', CONTACT);
	await page.click('#submit');
	await page.locator('#tracking, #error').first().waitFor();
}

function solve(challenge, bits) {
	for (let n = 0; ; n++) {
		const d = createHash('sha256').update(`${challenge}:${n.toString(16)}`)
			.digest();
		if (d.readUInt32BE(0) >>> (32 - bits) === 0)
			return n.toString(16);
	}
}

let tracking = null;

test('a complaint is sent with its proof of work and tracked without ' +
	'anything private', async () => {
	const page = await openPage(browser, { locale: 'zh-CN', baseURL: pub },
		problems);
	await page.goto('/complaint');
	assert.match(await page.locator('h1').textContent(), /举报仿冒政务网站/);
	await fileComplaint(page, 'http://jiangmen-gov.top/shebao');
	tracking = (await page.locator('#tracking').textContent()).trim();
	assert.match(tracking, /^T[A-Za-z0-9_-]{22}$/);
	await page.click('#track-link');
	await page.locator('#state').waitFor();
	assert.equal((await page.locator('#state').textContent()).trim(),
		'已受理，等待核查');
	const body = await page.content();
	assert.ok(!body.includes(CONTACT), 'the contact is shown');
	assert.ok(!body.includes(SECRET_TEXT), 'the description is shown');
	assert.ok(body.includes('jiangmen-gov.top'));
	// an unknown code says so, in English too
	await page.goto('/complaint/track?lang=en&code=T' + 'A'.repeat(22));
	assert.match(await page.locator('#status').textContent(),
		/No report has this tracking code/);
	assert.deepEqual(problems, []);
	await page.context().close();
});

test('flooding from one address, a reused and a forged challenge are ' +
	'refused', async () => {
	const page = await openPage(browser, { locale: 'en-US', baseURL: pub },
		problems);
	await page.goto('/complaint?lang=en');
	assert.match(await page.locator('h1').textContent(),
		/Report a counterfeit/);
	// a challenge solved once, sent twice from the page's origin
	const res = await page.evaluate(async ([bitsWanted]) => {
		const c = await (await fetch('/v1/complaints/challenge',
			{ method: 'POST', headers: { 'Content-Type':
			'application/json' }, body: '{}' })).json();
		return [c.challenge, c.bits === bitsWanted];
	}, [BITS]);
	assert.ok(res[1]);
	const nonce = solve(res[0], BITS);
	const send = (challenge, n, target) => page.evaluate(
		async ([ch, nn, tg]) => {
			const r = await fetch('/v1/complaints', { method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ kind: 'domain', target: tg,
				challenge: ch, nonce: nn }) });
			return [r.status, await r.text()];
		}, [challenge, n, target]);
	let [status] = await send(res[0], nonce, 'b.top');
	assert.equal(status, 201);
	let text;
	[status, text] = await send(res[0], nonce, 'c.top');
	assert.equal(status, 403, text);
	assert.match(text, /used/);
	const forged = `${BITS}.AAAAAAAAAAAAAAAAAAAAAAAA`;
	[status, text] = await send(forged, solve(forged, BITS), 'c.top');
	assert.equal(status, 403, text);
	// the form itself: the third complaint of the hour goes, the fourth
	// is refused with the server's reason
	await fileComplaint(page, 'd.top');
	assert.ok(await page.locator('#tracking').isVisible());
	await page.fill('#target', 'e.top');
	await page.click('#submit');
	await page.locator('#error').waitFor();
	assert.match(await page.locator('#error').textContent(),
		/too many complaints from this address/);
	assert.deepEqual(problems, []);
	await page.context().close();
});

test('the console takes the complaint\'s case through its steps', async () => {
	const page = await openPage(browser, { locale: 'en-US',
		baseURL: consoleURL }, problems);
	await submitLogin(page, 'chief', password);
	await page.locator('#dashboard').waitFor();
	await page.click('#nav-counterfeit');
	await page.locator('#cf-cases').waitFor();
	// the complaint, with its contact for an administrator
	assert.match(await page.locator('#cf-complaints').textContent(),
		new RegExp(CONTACT));
	const row = page.locator('#cf-cases tr', { hasText: 'jiangmen-gov.top' });
	assert.match(await row.textContent(), /Complaint/);
	await row.locator('a').click();
	await page.locator('#cf-step-form[data-step="confirm"]').waitFor();
	await page.fill('#cf-note', 'resolves to a host abroad');
	await page.click('#cf-step-submit');
	await page.locator('#cf-step-form[data-step="decide"]').waitFor();
	await page.selectOption('#cf-decision', 'counterfeit');
	await page.fill('#cf-note', 'no registered unit runs it');
	await page.fill('#cf-addresses', '198.51.100.9');
	await page.fill('#cf-unit', GOV);
	await page.click('#cf-step-submit');
	await page.locator('#cf-step-form[data-step="takedown"]').waitFor();
	const facts = await page.locator('#cf-facts').textContent();
	assert.match(facts, /Counterfeit/);
	assert.match(facts, /江门市人民政府/);
	const history = await page.locator('#cf-history').textContent();
	assert.match(history, /Decided/);
	assert.match(history, /console:chief/);
	assert.match(history, /198\.51\.100\.9/);
	// in Chinese
	await page.click('#lang-toggle');
	await page.waitForFunction(() => document.getElementById('cf-facts')
		.textContent.includes('认定仿冒'));
	await page.click('#nav-counterfeit');
	await page.locator('#cf-stopped').waitFor();
	assert.match(await page.locator('#cf-stopped').textContent(),
		/jiangmen-gov\.top/);
	assert.match(await page.locator('#cf-stopped').textContent(),
		/198\.51\.100\.9/);
	// the complainant sees the decision
	const r = await fetch(`${pub}/v1/complaints/status?code=${tracking}`);
	assert.equal((await r.json()).state, 'counterfeit');
	// and the stopped name's warning page, in both languages
	const [wstatus, html] = await new Promise((resolve, reject) => {
		const req = http.get(`${pub}/`, { headers: { Host:
			'www.jiangmen-gov.top' } }, (res) => {
			let b = '';
			res.setEncoding('utf8');
			res.on('data', (c) => { b += c; });
			res.on('end', () => resolve([res.statusCode, b]));
		});
		req.on('error', reject);
	});
	assert.equal(wstatus, 200);
	assert.match(html, /经核实为仿冒/);
	assert.match(html, /confirmed to be a counterfeit/);
	assert.deepEqual(problems, []);
	await page.context().close();
});
