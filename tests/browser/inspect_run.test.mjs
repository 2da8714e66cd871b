// inspect_run.test.mjs: inspections started from the console (web/
// inspect.js, POST /api/inspection-jobs) in headless Chromium against the
// real daemon. Two tiny https portals are served here by node:https on
// 127.0.0.1 with a self-signed certificate (the names mapped with
// [inspect] resolve; always closed): www.slow.gov.cn, 3000 pages linked
// from its homepage, each answered after 200 ms, and www.small.gov.cn,
// three pages. An
// operator starts the slow one, watches the pages counted rise, cancels
// it; then starts the small one and sees it finish and its run listed.
//
// Run: `node --test tests/browser/inspect_run.test.mjs` (see
// console.test.mjs for the environment).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync,
	writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Daemon, HOST, assertBuilt, freePort, launchChromium, openPage,
	runBin, submitLogin, tearDown } from './harness.mjs';

const SLOW = 'www.slow.gov.cn';
const SMALL = 'www.small.gov.cn';
const UNIT = '11440700007250010K';
let tmp = null;
let site = null;
let daemon = null;
let browser = null;
let baseURL = '';
let password = '';
const problems = [];

function page(host, url) {
	if (host === SMALL)
		return { '/': '<a href="/a.html">a</a> <a href="/b.html">b</a>',
			'/a.html': '<a href="/">home</a>',
			'/b.html': '<a href="/a.html">a</a>' }[url];
	if (host !== SLOW)
		return undefined;
	if (url === '/')
		return Array.from({ length: 3000 }, (_, i) =>
			`<a href="/p/${i + 1}">${i + 1}</a>`).join(' ');
	return /^\/p\/\d+$/.test(url) ? '<a href="/">home</a>' : undefined;
}

function startSite() {
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048',
		'-nodes', '-keyout', 'tls.key', '-out', 'tls.pem', '-days', '2',
		'-subj', `/CN=${SLOW}`, '-addext',
		`subjectAltName=DNS:${SLOW},DNS:${SMALL}`],
	{ cwd: tmp, stdio: 'ignore' });
	site = https.createServer({ key: readFileSync(path.join(tmp, 'tls.key')),
		cert: readFileSync(path.join(tmp, 'tls.pem')) }, (req, res) => {
		const host = String(req.headers.host || '').split(':')[0];
		const body = page(host, req.url);
		// the slow site is slow: a property of the site, not a wait
		setTimeout(() => {
			res.writeHead(body === undefined ? 404 : 200,
				{ 'Content-Type': 'text/html; charset=utf-8' });
			res.end(req.method === 'HEAD' ? undefined :
				'<!DOCTYPE html><html><head><title>t</title>' +
				`</head><body>${body ?? 'not found'}</body></html>`);
		}, host === SLOW ? 200 : 0);
	});
	return new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
}

before(async () => {
	assertBuilt();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'govsec-inspect-run-'));
	chmodSync(tmp, 0o700);
	const db = path.join(tmp, 'govsec.db');
	await startSite();
	const reg = path.join(tmp, 'reg.json');
	writeFileSync(reg, JSON.stringify({
		units: [{ uscc: UNIT, name: '江门市人民政府',
			kind: 'administrative', level: 'prefecture',
			region: '440700' }],
		applications: [[ 'slowp', SLOW ], [ 'smallp', SMALL ]].map(
			([id, host]) => ({ id, unit: UNIT, type: 'portal',
				name: '门户网站' + id, status: 'live',
				domains: [{ name: host, main: true }] })),
	}));
	runBin('govsec', ['--db', db, 'import', reg]);
	password = 'Gs!9' + randomBytes(12).toString('hex');
	runBin('govsec', ['--db', db, 'user', 'add', 'op1', '--role',
		'operator'], password + '\n');
	const port = await freePort();
	const conf = path.join(tmp, 'govsec.conf');
	writeFileSync(conf, ['[store]', `path = ${db}`, '', '[console]',
		`listen = 127.0.0.1:${port}`, 'two_factor = optional', '',
		'[inspect]', 'allow_private = yes',
		`resolve = *:443=127.0.0.1:${site.address().port},*=none`,
		`cacert = ${path.join(tmp, 'tls.pem')}`, ''].join('\n'));
	daemon = new Daemon(conf);
	await daemon.ready(`http://127.0.0.1:${port}/api/me`);
	baseURL = `http://${HOST}:${port}`;
	browser = await launchChromium();
});

after(() => tearDown(browser, daemon, tmp, site));

// The jobs table's row of app, its state and its pages count.
function jobRow(page, app) {
	return page.locator('#insp-jobs-table tbody tr', { hasText: app });
}

async function pages(row) {
	return Number((await row.locator('td').nth(2).textContent()).trim());
}

test('an operator starts an inspection, watches it rise and cancels it',
	async () => {
		const page = await openPage(browser, { locale: 'en-US',
			baseURL }, problems);
		await submitLogin(page, 'op1', password);
		await page.locator('#dashboard').waitFor();
		await page.click('#nav-inspections');
		await page.locator('#insp-sites-empty').waitFor();
		await page.locator('#insp-jobs-empty').waitFor();
		const start = page.locator('[data-testid="insp-start"]' +
			'[data-app="slowp"]');
		assert.equal(await start.textContent(), 'Start inspection');
		await start.click();
		const row = jobRow(page, 'slowp');
		await page.locator('#insp-jobs-table tbody tr' +
			'[data-state="running"]', { hasText: 'slowp' }).waitFor();
		assert.equal(await row.locator('.jobstate').textContent(),
			'Running');
		// the start button waits while its inspection runs
		assert.ok(await start.isDisabled());
		// the counts rise with the page left alone (it polls)
		await page.waitForFunction(() => {
			const r = [...document.querySelectorAll(
				'#insp-jobs-table tbody tr')].find((tr) =>
				tr.textContent.includes('slowp'));
			return r && Number(r.querySelectorAll('td')[2]
				.textContent) >= 3;
		});
		const first = await pages(row);
		await page.waitForFunction((n) => {
			const r = [...document.querySelectorAll(
				'#insp-jobs-table tbody tr')].find((tr) =>
				tr.textContent.includes('slowp'));
			return r && Number(r.querySelectorAll('td')[2]
				.textContent) > n;
		}, first);
		assert.match(await row.locator('td').nth(3).textContent(),
			/^\d+ of \d+$/);
		await row.locator('[data-testid="insp-job-cancel"]').click();
		await page.locator('#insp-jobs-table tbody tr' +
			'[data-state="cancelled"]', { hasText: 'slowp' })
			.waitFor();
		assert.equal(await row.locator('.jobstate').textContent(),
			'Cancelled');
		assert.equal(await row.locator(
			'[data-testid="insp-job-cancel"]').count(), 0);
		// nothing was stored for a cancelled inspection
		await page.locator('#insp-sites-empty').waitFor();
		assert.ok(!(await start.isDisabled()));
		assert.deepEqual(problems, []);
		await page.context().close();
	});

test('an inspection runs to its end and its run is listed, in Chinese too',
	async () => {
		const page = await openPage(browser, { locale: 'zh-CN',
			baseURL }, problems);
		await submitLogin(page, 'op1', password);
		await page.locator('#dashboard').waitFor();
		await page.click('#nav-inspections');
		const start = page.locator('[data-testid="insp-start"]' +
			'[data-app="smallp"]');
		assert.equal(await start.textContent(), '开始检查');
		await start.click();
		await page.locator('#insp-jobs-table tbody tr' +
			'[data-state="finished"]', { hasText: 'smallp' })
			.waitFor({ timeout: 60_000 });
		const row = jobRow(page, 'smallp');
		assert.equal(await row.locator('.jobstate').textContent(),
			'已完成');
		assert.equal(await pages(row), 3);
		// the sites table now lists the run; the job links to it
		await page.locator('#insp-sites-table [data-testid=' +
			'"insp-site-link"]', { hasText: SMALL }).waitFor();
		await row.locator('[data-testid="insp-job-run"]').click();
		await page.locator('#insp-run-page h1', { hasText: SMALL })
			.waitFor();
		assert.deepEqual(problems, []);
		await page.context().close();
	});
