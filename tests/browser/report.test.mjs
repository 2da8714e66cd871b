// report.test.mjs: the console's self-examination view and the reports of
// `govsec check` agree. Imports data/demo.json into a fresh store, starts
// govsecd on a free loopback port, signs in, and compares what the console
// shows with the HTML and JSON reports of the same store: the unit groups
// (names, codes, counts, order), the order of the findings (by unit, then
// failures, undecided, passes), the summary counts and verdict, the scope;
// then, in Chinese, the evidence of every finding.
//
// Run: `node --test tests/browser/report.test.mjs` with GOVSEC_BUILD and
// GOVSEC_SRC set (see console.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { BUILD, Daemon, HOST, SRC, assertBuilt, freePort, launchChromium,
	openPage, runBin, submitLogin, tearDown } from './harness.mjs';

let tmp = null;
let db = null;
let daemon = null;
let browser = null;
let baseURL = '';
let password = '';
let page = null;
const problems = [];

// govsec check with args on the test's store; exit 0, 1 or 3 are reports.
function check(args) {
	const r = spawnSync(path.join(BUILD, 'govsec'),
		['--db', db, 'check', ...args],
		{ encoding: 'utf8', timeout: 60_000,
			env: { ...process.env, LANG: 'C' } });
	assert.ok([0, 1, 3].includes(r.status),
		`govsec check ${args.join(' ')}: ${r.status} ${r.stderr}`);
	return r.stdout;
}

function unescapeHtml(s) {
	return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>')
		.replace(/&quot;/g, '"').replace(/&#39;/g, '\'')
		.replace(/&amp;/g, '&');
}

// The HTML report: its unit sections (code, name, counts), the rows of
// each ({unit, status, evidence}), the summary counts and verdict.
function parseHtml(html) {
	const units = [];
	const rows = [];
	const sec = /<section class="unit" data-unit="([^"]*)" data-pass="(\d+)" data-fail="(\d+)" data-not_applicable="(\d+)" data-unknown="(\d+)"><h3>([^<]*)[^]*?<\/section>/g;
	for (const m of html.matchAll(sec)) {
		units.push({ unit: unescapeHtml(m[1]), name: unescapeHtml(m[6]).trim(),
			pass: +m[2], fail: +m[3], not_applicable: +m[4],
			unknown: +m[5] });
		const tr = /<tr class="([a-z_]+)">((?:<td>[^]*?<\/td>){6})<\/tr>/g;
		for (const r of m[0].matchAll(tr)) {
			const cells = [...r[2].matchAll(/<td>([^]*?)<\/td>/g)]
				.map((c) => c[1]);
			rows.push({ unit: unescapeHtml(m[1]), status: r[1],
				evidence: unescapeHtml(cells[4]) });
		}
	}
	const counts = {};
	for (const m of html.matchAll(/<td data-status="([a-z_]+)">(\d+)<\/td>/g))
		counts[m[1]] = +m[2];
	const verdict = /<section class="summary" id="summary" data-verdict="([a-z]+)">/
		.exec(html);
	const date = /<p class="date" data-date="([0-9-]+)">/.exec(html);
	return { units, rows, counts, verdict: verdict && verdict[1],
		date: date && date[1] };
}

function beijingDate() {
	return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

before(async () => {
	assertBuilt();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'govsec-report-'));
	db = path.join(tmp, 'govsec.db');
	password = 'Gs!9' + randomBytes(12).toString('hex');
	runBin('govsec', ['--db', db, 'import',
		path.join(SRC, 'data', 'demo.json')]);
	runBin('govsec', ['--db', db, 'user', 'add', 'admin', '--role',
		'admin'], password + '\n');
	const port = await freePort();
	const conf = path.join(tmp, 'govsec.conf');
	writeFileSync(conf, ['[store]', `path = ${db}`, '', '[console]',
		`listen = 127.0.0.1:${port}`, 'two_factor = optional', '']
		.join('\n'));
	daemon = new Daemon(conf);
	await daemon.ready(`http://127.0.0.1:${port}/api/me`);
	baseURL = `http://${HOST}:${port}`;
	browser = await launchChromium();
});

after(() => tearDown(browser, daemon, tmp));

// The console's findings view: its unit groups, and the rows of its table.
async function consoleView() {
	await page.goto('/#/findings');
	await page.locator('table#findings-units tbody tr').first().waitFor();
	await page.locator('table#findings tbody tr').first().waitFor();
	const units = await page.locator('table#findings-units tbody tr')
		.evaluateAll((trs) => trs.map((tr) => ({
			unit: tr.getAttribute('data-unit'),
			name: (tr.querySelector('th a') ||
				tr.querySelector('th span > span')).textContent,
			pass: +tr.getAttribute('data-pass'),
			fail: +tr.getAttribute('data-fail'),
			not_applicable: +tr.getAttribute('data-not_applicable'),
			unknown: +tr.getAttribute('data-unknown'),
		})));
	const rows = await page.locator('table#findings tbody tr')
		.evaluateAll((trs) => trs.map((tr) => ({
			unit: tr.getAttribute('data-unit'),
			status: tr.getAttribute('data-status'),
			evidence: tr.querySelector('.clip').textContent,
		})));
	const exam = page.locator('#examination');
	return { units, rows, date: await exam.getAttribute('data-date'),
		examination: await exam.textContent(),
		verdict: await page.locator('#findings-page #verdict')
			.getAttribute('data-verdict') };
}

test('the console shows the HTML report\'s unit groups, order and counts',
	async () => {
	page = await openPage(browser, { locale: 'en-US', baseURL }, problems);
	await submitLogin(page, 'admin', password);
	await page.locator('#dashboard').waitFor();
	const dayBefore = beijingDate();
	const seen = await consoleView();
	const html = parseHtml(check(['--format', 'html']));
	const json = JSON.parse(check(['--format', 'json']));
	const sameDay = dayBefore === beijingDate();

	// every unit of the demo with findings, most failures first
	assert.ok(html.units.length >= 5, JSON.stringify(html.units));
	assert.ok(html.units[0].fail > 0);
	assert.deepEqual(seen.units, html.units);
	assert.deepEqual(json.units, html.units);
	// the same findings in the same order: by unit, failures first
	assert.equal(seen.rows.length, json.findings.length);
	assert.deepEqual(seen.rows.map((r) => [r.unit, r.status]),
		html.rows.map((r) => [r.unit, r.status]));
	assert.deepEqual(seen.rows.map((r) => r.evidence),
		html.rows.map((r) => r.evidence));
	for (const u of html.units) {
		const st = html.rows.filter((r) => r.unit === u.unit)
			.map((r) => r.status);
		const rank = { fail: 0, unknown: 1, pass: 2, not_applicable: 3 };
		assert.deepEqual(st, [...st].sort((a, b) => rank[a] - rank[b]));
		assert.equal(st.filter((s) => s === 'fail').length, u.fail);
	}
	// the summary: verdict, counts, date and scope
	assert.equal(seen.verdict, html.verdict);
	assert.equal(html.verdict, json.verdict);
	for (const s of ['pass', 'fail', 'not_applicable', 'unknown'])
		assert.equal(html.counts[s], json.summary[s], s);
	if (sameDay) {
		assert.equal(seen.date, html.date);
		assert.equal(json.examination.date, html.date);
	}
	assert.match(seen.examination, new RegExp(
		`all units: ${json.examination.units} units, ` +
		`${json.examination.applications} applications; ` +
		`${json.examination.rules} rules, 49 requirements`));
	await page.goto('/#/dashboard');
	await page.locator('#summary-fail').waitFor();
	// the dashboard says what was examined, as the findings view does
	// (the date and time of each run may differ: compare the scope)
	const noTime = (x) => x.replace(/^[^·]*· /, '');
	assert.equal(noTime(await page.locator('#dashboard #examination')
		.textContent()), noTime(seen.examination));
	for (const [id, s] of [['#summary-fail', 'fail'],
		['#summary-unknown', 'unknown'], ['#summary-pass', 'pass'],
		['#summary-na', 'not_applicable']])
		assert.equal(+(await page.locator(id).textContent()),
			html.counts[s], s);
});

test('in Chinese the console and the report show the same Chinese evidence',
	async () => {
	await page.click('#lang-toggle');
	await page.locator('html[lang="zh-CN"]').waitFor();
	const seen = await consoleView();
	const html = parseHtml(check(['--format', 'html', '--lang', 'zh']));
	assert.deepEqual(seen.rows.map((r) => r.evidence),
		html.rows.map((r) => r.evidence));
	// Chinese evidence, not the English
	const en = JSON.parse(check(['--format', 'json']));
	const f = en.findings.find((x) => x.rule === 'sec.log-retention' &&
		x.object === 'jmyy-portal');
	assert.equal(f.evidence_zh, '日志留存 180 天，不足一年');
	assert.ok(seen.rows.some((r) => r.evidence === f.evidence_zh));
	assert.ok(!seen.rows.some((r) => r.evidence === f.evidence));
	assert.match(seen.examination, /^自查日期 /);
	assert.deepEqual(problems, []);
});
