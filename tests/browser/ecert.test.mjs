// ecert.test.mjs: the console's e-certificate pages (web/ecert.js; issue
// 11, item 8) in headless Chromium against the real daemon with its
// console and public listeners. A unit's own account (operator scoped to
// 广东省政务服务和数据管理局) applies for its portal's online name in
// Chinese; another unit's look-alike (政務, traditional) waits beside it.
// The establishment department's account (role issuer) sees the conflict
// search, approves the first, sees the second now conflicts with an
// approved name and rejects it with a reason; issues a logo, follows the
// link to the public page /v1/logo/ID (whose, which domains, valid),
// revokes it and sees the page say revoked; issues a certificate and
// downloads the key handed over once. The logos page is checked in both
// languages. Environment as console.test.mjs (GOVSEC_BUILD, GOVSEC_SRC,
// CHROMIUM).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Daemon, HOST, assertBuilt, freePort, launchChromium, openPage,
	runBin, submitLogin, tearDown } from './harness.mjs';

const A = '11440000MB2C92290G'; // 广东省政务服务和数据管理局
const B = '12440000MB2C92310T'; // 广东省档案馆
const NAME_A = '广东省政务服务网';
const NAME_B = '广东省政務服务网'; // traditional 務: the same to a reader
const DOMAIN = 'www.gdzwfw.gov.cn';
let tmp = null;
let daemon = null;
let browser = null;
let baseURL = '';
const password = 'Gs!9' + randomBytes(12).toString('hex');
const problems = []; // CSP violations and script errors on any page

before(async () => {
	assertBuilt();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'govsec-ecert-'));
	const db = path.join(tmp, 'govsec.db');
	const cli = (args, input) => runBin('govsec', ['--db', db, ...args],
		input);
	const reg = path.join(tmp, 'reg.json');
	writeFileSync(reg, JSON.stringify({
		units: [
			{ uscc: A, name: '广东省政务服务和数据管理局',
				kind: 'administrative', level: 'provincial',
				region: '440000', region_name: '广东省' },
			{ uscc: B, name: '广东省档案馆', kind: 'institution',
				level: 'provincial', region: '440000',
				region_name: '广东省' }],
		applications: [{ id: 'a-portal', unit: A, type: 'portal',
			name: NAME_A, status: 'live',
			domains: [{ name: DOMAIN, main: true }] }],
	}));
	cli(['import', reg]);
	cli(['ca', 'init', '--org', '广东省委机构编制委员会办公室']);
	cli(['user', 'add', 'bianban', '--role', 'issuer'], password + '\n');
	cli(['user', 'add', 'zwfw', '--role', 'operator', '--unit', A],
		password + '\n');
	// the other unit's look-alike, waiting for a decision too
	cli(['name', 'apply', NAME_B, '--unit', B]);
	const port = await freePort();
	const pport = await freePort();
	const leave = path.join(tmp, 'leave.key');
	writeFileSync(leave, randomBytes(32));
	chmodSync(leave, 0o600);
	const conf = path.join(tmp, 'govsec.conf');
	writeFileSync(conf, `[store]\npath = ${db}\n\n[console]\n` +
		`listen = 127.0.0.1:${port}\ntwo_factor = optional\n\n` +
		`[public]\nlisten = 127.0.0.1:${pport}\nleave_key = ${leave}\n`);
	daemon = new Daemon(conf);
	await daemon.ready(`http://127.0.0.1:${port}/api/me`);
	await daemon.ready(`http://127.0.0.1:${pport}/v1/ca`);
	baseURL = `http://${HOST}:${port}`;
	browser = await launchChromium();
});

after(() => tearDown(browser, daemon, tmp));

async function signIn(locale, name, opts = {}) {
	const page = await openPage(browser, { locale, baseURL, ...opts },
		problems);
	await submitLogin(page, name, password);
	await page.locator('#dashboard').waitFor();
	return page;
}

// GOVSEC_ECERT_SHOT=DIR keeps screenshots of the pages.
async function shot(page, name) {
	if (process.env.GOVSEC_ECERT_SHOT)
		await page.screenshot({ fullPage: true, path: path.join(
			process.env.GOVSEC_ECERT_SHOT, `ecert-${name}.png`) });
}

function row(page, table, name) {
	return page.locator(`table#${table} tbody tr[data-name="${name}"]`);
}

test('a unit applies for its online name (Chinese)', async () => {
	const page = await signIn('zh-CN', 'zwfw');
	await page.waitForFunction(() => document.getElementById(
		'current-user').textContent.includes('11440000MB2C92290G'));
	// the service's operators and the log are not a unit's business
	assert.ok(await page.locator('#nav-ecert-operators').isHidden());
	assert.ok(await page.locator('#nav-ecert-log').isHidden());
	await page.click('#nav-ecert-names');
	await page.locator('#ecert-name-form').waitFor();
	assert.equal(await page.locator('#main h1').textContent(), '网上名称');
	// only its own unit to choose; choosing the portal proposes its name
	assert.deepEqual(await page.locator('#ecert-name-unit option')
		.evaluateAll((o) => o.map((x) => x.value)), [A]);
	await page.selectOption('#ecert-name-app', 'a-portal');
	assert.equal(await page.inputValue('#ecert-name-name'), NAME_A);
	await page.click('#ecert-name-form-submit');
	await page.locator('#ecert-flash', { hasText: /申请 \d+ 待审核/ })
		.waitFor();
	// its list holds its own application only, without B's look-alike
	const rows = page.locator('table#ecert-pending tbody tr');
	assert.equal(await rows.count(), 1);
	assert.equal(await rows.getAttribute('data-name'), NAME_A);
	// no decision buttons for a unit
	assert.equal(await page.locator('[data-testid="ecert-approve"]')
		.count(), 0);
	await page.context().close();
});

test('the issuer approves one name and rejects its look-alike', async () => {
	const page = await signIn('en-US', 'bianban');
	await page.goto('/#/ecert/names');
	await page.locator('table#ecert-pending').waitFor();
	// the conflict search: B's 政務 is the same to a reader as A's 政务
	const b = row(page, 'ecert-pending', NAME_B);
	assert.match(await b.locator('[data-testid="ecert-rivals"]')
		.textContent(), new RegExp(`${NAME_A}.*pending`));
	await row(page, 'ecert-pending', NAME_A)
		.locator('[data-testid="ecert-approve"]').click();
	await page.locator('#ecert-flash',
		{ hasText: /Approved: “广东省政务服务网”/ }).waitFor();
	const rival = row(page, 'ecert-pending', NAME_B)
		.locator('[data-testid="ecert-rivals"] li');
	assert.equal(await rival.getAttribute('data-state'), 'approved');
	assert.match(await rival.textContent(),
		/traditional and simplified characters/);
	// approving it now is refused by the server, naming the conflict
	await row(page, 'ecert-pending', NAME_B)
		.locator('[data-testid="ecert-approve"]').click();
	await page.locator('#error-banner').waitFor();
	assert.match(await page.locator('#error-banner').textContent(),
		/confusable with '广东省政务服务网'/);
	const rb = row(page, 'ecert-pending', NAME_B);
	await rb.locator('[data-testid="ecert-reject-reason"]')
		.fill('与已核准的“广东省政务服务网”相混淆');
	await rb.locator('[data-testid="ecert-reject"]').click();
	await page.locator('#ecert-flash', { hasText: /Rejected/ }).waitFor();
	const done = row(page, 'ecert-decided', NAME_B);
	assert.equal(await done.getAttribute('data-state'), 'rejected');
	assert.match(await done.textContent(), /相混淆/);
	assert.equal(await row(page, 'ecert-decided', NAME_A)
		.getAttribute('data-state'), 'approved');
	await shot(page, 'names');
	await page.context().close();
});

test('the issuer issues a logo; its public page says whose, where, valid, ' +
	'then revoked', async () => {
	const page = await signIn('en-US', 'bianban');
	await page.goto('/#/ecert/logos');
	await page.locator('#ecert-logo-form').waitFor();
	await page.selectOption('#ecert-logo-app', 'a-portal');
	await page.click('#ecert-logo-form-submit');
	await page.locator('#ecert-flash', { hasText: /issued/ }).waitFor();
	const id = /Logo ([0-9a-f]{16}) issued/.exec(
		await page.locator('#ecert-flash').textContent())[1];
	const r = page.locator(`table#ecert-logos tbody tr[data-id="${id}"]`);
	const href = await r.locator('[data-testid="ecert-logo-page"]')
		.getAttribute('href');
	assert.match(href, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/v1/logo/${id}$`));
	// the badge in the row is served and drawn
	assert.ok(await r.locator('img').evaluate((i) =>
		i.decode().then(() => i.naturalWidth > 0)));

	const pub = await page.context().newPage();
	await pub.goto(href);
	const text = await pub.locator('body').textContent();
	assert.match(text, /有效 \/ valid/);
	assert.match(text, /广东省政务服务和数据管理局（11440000MB2C92290G）/);
	assert.match(text, new RegExp(DOMAIN.replace(/\./g, '\\.')));
	assert.match(text, /广东省政务服务网/);

	await r.locator('[data-testid="ecert-logo-revoke-reason"]')
		.fill('网站改版');
	await r.locator('[data-testid="ecert-logo-revoke"]').click();
	await page.locator('#ecert-flash',
		{ hasText: new RegExp(`Logo ${id} revoked`) }).waitFor();
	await pub.reload();
	assert.match(await pub.locator('body').textContent(),
		/已撤销 \/ revoked/);
	await shot(pub, 'public');

	// the same page in Chinese
	await page.click('#lang-toggle');
	await page.locator('#main h1', { hasText: '网站标识' }).waitFor();
	const zr = page.locator(`table#ecert-logos tbody tr[data-id="${id}"]`);
	assert.match(await zr.textContent(), /已撤销/);
	assert.equal(await page.locator('#nav-ecert-logos').textContent(),
		'网站标识');
	await shot(page, 'logos-zh');
	await page.click('#lang-toggle');
	await page.locator('#main h1', { hasText: 'Online logos' }).waitFor();
	await page.context().close();
});

test('the issuer issues a certificate and hands the key over once',
	async () => {
	const page = await signIn('en-US', 'bianban', { acceptDownloads: true });
	await page.goto('/#/ecert/certificates');
	await page.locator('#ecert-cert-form').waitFor();
	await page.selectOption('#ecert-cert-unit', A);
	await page.click('#ecert-cert-form-submit');
	const box = page.locator('#ecert-handover');
	await box.waitFor();
	const pass = await box.locator('[data-testid="ecert-passphrase"]')
		.textContent();
	assert.ok(pass.length >= 20);
	const [dl] = await Promise.all([page.waitForEvent('download'),
		page.click('#ecert-key-download')]);
	assert.equal(dl.suggestedFilename(), `${A}.key.pem`);
	const file = path.join(tmp, 'dl.key');
	await dl.saveAs(file);
	assert.match(readFileSync(file, 'utf8'),
		/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
	await shot(page, 'certificates');
	const row1 = page.locator(`table#ecert-certs tbody tr[data-unit="${A}"]`);
	assert.match(await row1.textContent(), /valid/);
	// shown once: the page afresh has no key any more
	await page.reload();
	await page.locator('table#ecert-certs').waitFor();
	assert.equal(await page.locator('#ecert-handover').count(), 0);
	await page.context().close();
});

test('operators get a key shown once; the log proves an entry',
	async () => {
	const page = await signIn('zh-CN', 'bianban');
	await page.goto('/#/ecert/operators');
	await page.locator('#ecert-op-form').waitFor();
	await page.fill('#ecert-op-name', '应用商店甲');
	await page.click('#ecert-op-form-submit');
	const code = page.locator('[data-testid="ecert-flash-code"]');
	await code.waitFor();
	assert.match((await code.textContent()).trim(),
		/^gsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
	assert.match(await page.locator('#ecert-flash').textContent(),
		/仅显示这一次/);
	await shot(page, 'operators');
	await page.reload();
	await page.locator('table#ecert-ops').waitFor();
	assert.equal(await page.locator('[data-testid="ecert-flash-code"]')
		.count(), 0);

	await page.goto('/#/ecert/log');
	await page.locator('table#ecert-log').waitFor();
	const size = Number(await page.locator(
		'[data-testid="ecert-log-size"]').textContent());
	// ca.init, a name rejected and approved, a logo issued and revoked,
	// a certificate issued
	assert.ok(size >= 6, String(size));
	const kinds = await page.locator('table#ecert-log tbody tr')
		.evaluateAll((rs) => rs.map((r) => r.dataset.kind));
	for (const k of ['name.approve', 'name.reject', 'logo.issue',
		'logo.revoke', 'cert.issue'])
		assert.ok(kinds.includes(k), k);
	await page.locator('table#ecert-log tbody tr[data-kind="logo.issue"] a')
		.click();
	const verdict = page.locator('[data-testid="ecert-proof-verdict"]');
	await verdict.waitFor();
	assert.equal(await verdict.getAttribute('data-verified'), 'true');
	assert.match(await verdict.textContent(), /审计路径得出根哈希/);
	assert.match(await page.locator('#ecert-proof').textContent(),
		/"type":"logo.issue"/);
	await shot(page, 'log');
	await page.context().close();
	assert.deepEqual(problems, []);
});
