// inspect.test.mjs: the console's Inspections pages (web/inspect.js) in
// headless Chromium against the real daemon. A tiny portal is served here
// by node:http on 127.0.0.1 (always closed); the real `govsec inspect
// --allow-private` inspects it twice, with a new broken link and a new
// external host in between, so the second run has a diff. Then govsecd
// serves the store; a viewer logs in, opens Inspections, opens the site,
// sees the broken link with its reason as a label (the code in small text
// and the tooltip), the outbound link without a prompt, the news column
// and the diff, and switches to Chinese.
//
// Run: `node --test tests/browser/` (see console.test.mjs for the
// environment); GOVSEC_INSPECT_SHOT=FILE.png keeps a screenshot of the site
// page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { BUILD, Daemon, HOST, assertBuilt, freePort, launchChromium, openPage,
	runBin, submitLogin, tearDown } from './harness.mjs';

const SITE = 'www.site.gov.cn';
const TODAY = new Date().toISOString().slice(0, 10);
let tmp = null;
let db = null;
let site = null;
let siteExtra = '';
let daemon = null;
let browser = null;
let baseURL = '';
let password = '';
const problems = []; // CSP violations and script errors seen on any page

function index() {
	return '<!doctype html><html><head><meta charset="utf-8">' +
		'<title>测试门户</title></head><body><h1>测试门户</h1><p>' +
		'<a href="/about.html">关于</a> ' +
		'<a href="/news.html">新闻</a> ' +
		'<a href="/missing.html">失效</a> ' +
		'<a href="http://www.partner.example.com/page.html">合作</a>' +
		siteExtra + '</p><footer>版权所有</footer></body></html>';
}

function startSite() {
	site = http.createServer((req, res) => {
		const pages = {
			'/': index(),
			'/about.html': '<html><body><p>关于我们</p></body></html>',
			'/news.html': '<html><head><title>新闻</title></head>' +
				'<body><ul><li>市政府召开常务会议 ' + TODAY +
				'</li></ul></body></html>',
			'/page.html': '<html><body><p>合作伙伴</p></body></html>',
		};
		const body = pages[req.url];
		res.writeHead(body === undefined ? 404 : 200,
			{ 'Content-Type': 'text/html; charset=utf-8' });
		res.end(req.method === 'HEAD' ? undefined : body ?? 'not found');
	});
	return new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
}

// govsec inspect, asynchronously: the site is served by this process.
function inspect() {
	const args = ['--db', db, 'inspect', `http://${SITE}/`,
		'--allow-private', '--resolve',
		`*:80=127.0.0.1:${site.address().port}`, '--timeout', '2',
		'--retries', '0', '--format', 'json'];
	return new Promise((resolve, reject) => {
		const p = spawn(path.join(BUILD, 'govsec'), args,
			{ stdio: ['ignore', 'pipe', 'pipe'] });
		let err = '';
		p.stderr.on('data', (b) => { err += b; });
		p.stdout.resume();
		const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
		p.on('exit', (code) => {
			clearTimeout(timer);
			// 1: the inspection has failing findings
			if (code === 0 || code === 1)
				resolve();
			else
				reject(new Error(`govsec inspect exited ${code}: ${err}`));
		});
	});
}

before(async () => {
	assertBuilt();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'govsec-inspect-'));
	db = path.join(tmp, 'govsec.db');
	await startSite();
	await inspect();
	siteExtra = ' <a href="/gone.html">已删</a> ' +
		'<a href="http://www.newhost.example.org/">新站</a>';
	await inspect();
	password = 'Gs!9' + randomBytes(12).toString('hex');
	runBin('govsec', ['--db', db, 'user', 'add', 'viewer1', '--role',
		'viewer'], password + '\n');
	const port = await freePort();
	const conf = path.join(tmp, 'govsec.conf');
	writeFileSync(conf, ['[store]', `path = ${db}`, '', '[console]',
		`listen = 127.0.0.1:${port}`, 'two_factor = optional',
		''].join('\n'));
	daemon = new Daemon(conf);
	await daemon.ready(`http://127.0.0.1:${port}/api/me`);
	baseURL = `http://${HOST}:${port}`;
	browser = await launchChromium();
});

after(() => tearDown(browser, daemon, tmp, site));

test('a viewer sees the site, its broken links and the diff, in two ' +
	'languages', async () => {
	const page = await openPage(browser, { locale: 'en-US', baseURL },
		problems);

	await submitLogin(page, 'viewer1', password);
	await page.locator('#dashboard').waitFor();

	await page.click('#nav-inspections');
	await page.locator('#insp-sites-page').waitFor();
	assert.equal(await page.locator('#nav-inspections')
		.getAttribute('aria-current'), 'page');
	const row = page.locator('#insp-sites-table tbody tr');
	assert.equal(await row.count(), 1);
	const cells = await row.locator('th, td').allTextContents();
	// site, last run, pages, links, broken, blocked, no prompt, failing
	assert.equal(cells[0], SITE);
	assert.deepEqual(cells.slice(4, 7), ['2', '0', '2']);
	assert.match(cells[7], /LINK-2/);
	assert.match(cells[7], /LINK-3/);

	await page.click('[data-testid="insp-site-link"]');
	await page.locator('#insp-run-page').waitFor();
	assert.equal(await page.locator('#insp-run-page h1').textContent(),
		SITE);
	const broken = await page.locator('#insp-broken tbody tr th, ' +
		'#insp-broken tbody tr td:first-child').allTextContents();
	assert.ok(broken.includes(`http://${SITE}/missing.html`), broken);
	assert.ok(broken.includes(`http://${SITE}/gone.html`), broken);
	// the reason as a label; the code stays visible and is the tooltip
	const missing = page.locator('#insp-broken tbody tr', {
		hasText: `http://${SITE}/missing.html` });
	const why = missing.locator('.reason');
	assert.equal(await why.getAttribute('title'), 'http_404');
	assert.equal(await why.textContent(), 'Not found (HTTP 404) http_404');
	assert.equal(await why.locator('small').textContent(), 'http_404');
	// GOVWEB-2: the news column, up to date
	const col = await page.locator('#insp-columns tbody tr th, ' +
		'#insp-columns tbody tr td').allTextContents();
	assert.deepEqual(col.slice(0, 4), ['新闻', 'news', '1', TODAY]);
	assert.equal(col[6], 'up to date');
	assert.match(await page.locator('#insp-unprompted').textContent(),
		/www\.partner\.example\.com\/page\.html/);
	await page.locator('#insp-blocked-empty').waitFor();
	const reqs = await page.locator('#insp-findings .req-id')
		.allTextContents();
	assert.ok(reqs.includes('LINK-3'), reqs);
	assert.match(await page.locator('#insp-marks').textContent(),
		/ICP filing/);
	const diff = page.locator('#insp-diff');
	assert.match(await diff.textContent(), /Compared with run 1\./);
	assert.deepEqual(await page.locator('#insp-diff-broken tbody td')
		.first().allTextContents(), [`http://${SITE}/gone.html`]);
	assert.deepEqual(await page.locator('#insp-diff-hosts li')
		.allTextContents(), ['www.newhost.example.org']);

	if (process.env.GOVSEC_INSPECT_SHOT)
		await page.screenshot({ path: process.env.GOVSEC_INSPECT_SHOT,
			fullPage: true });
	await page.click('#lang-toggle');
	await page.locator('#nav-inspections', { hasText: '网站巡检' })
		.waitFor();
	await page.locator('#insp-diff', { hasText: '与第 1 次巡检相比。' })
		.waitFor();
	assert.match(await page.locator('#insp-run-page').textContent(),
		/失效链接/);
	assert.match(await page.locator('#insp-run-page').textContent(),
		/无离站提示的外部链接/);
	assert.equal(await page.locator('#insp-broken tbody tr', {
		hasText: `http://${SITE}/missing.html` }).locator('.reason')
		.textContent(), '页面不存在（HTTP 404） http_404');
	assert.match(await page.locator('#insp-columns').textContent(),
		/动态要闻类.*及时更新/);
	await page.click('#lang-toggle');
	await page.locator('#nav-inspections', { hasText: 'Inspections' })
		.waitFor();
	assert.deepEqual(problems, []);
	await page.context().close();
});
