// harness.mjs: what the browser tests share: paths, free ports, the govsec
// CLI, a govsecd that is always stopped (also when a test fails or the
// process exits), and Chromium launched the way this machine allows.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SRC = process.env.GOVSEC_SRC || path.resolve(here, '..', '..');
export const BUILD = process.env.GOVSEC_BUILD || path.join(SRC, 'build');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// Chromium treats http://localhost as a secure context, so the session
// cookie (Secure; HttpOnly; SameSite=Strict) is kept over plain HTTP.
export const HOST = process.env.GOVSEC_CONSOLE_HOST || 'localhost';
// govsecd refuses to run as root without [daemon] user (govsecd(8)); these
// tests, run as root, let it stay root (tests/e2e/test_privs.py tests the
// switch).
if (process.getuid() === 0 && process.env.GOVSEC_ALLOW_ROOT === undefined)
	process.env.GOVSEC_ALLOW_ROOT = 'yes';

export function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

// Polls cond() every 100 ms until it is true; fails naming what after ms
// milliseconds. The way a test waits for another process (never a bare
// sleep, which is why sleep is not exported).
export async function waitUntil(cond, what, ms = 15000) {
	const end = Date.now() + ms;
	while (!(await cond())) {
		if (Date.now() > end)
			throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await sleep(100);
	}
}

// Runs build/<bin> with args (and input on stdin); throws unless it exits 0.
export function runBin(bin, args, input) {
	const r = spawnSync(path.join(BUILD, bin), args, {
		input: input ?? '',
		encoding: 'utf8',
		timeout: 60_000,
	});
	if (r.error)
		throw new Error(`${bin} ${args.join(' ')}: ${r.error.message}`);
	if (r.status !== 0)
		throw new Error(`${bin} ${args.join(' ')} exited ${r.status}: ` +
			`${r.stderr}${r.stdout}`);
	return r.stdout;
}

export function assertBuilt() {
	for (const bin of ['govsec', 'govsecd'])
		if (!existsSync(path.join(BUILD, bin)))
			throw new Error(`${bin} not built in ${BUILD} ` +
				'(cmake --build build)');
}

const daemons = new Set();

// A leftover daemon must never outlive the test process.
process.on('exit', () => {
	for (const d of daemons)
		if (d.exitCode === null)
			d.kill('SIGKILL');
});

// govsecd in the foreground (-f) with the config file conf.
export class Daemon {
	constructor(conf) {
		this.log = '';
		this.proc = spawn(path.join(BUILD, 'govsecd'), ['-f', '-c', conf],
			{ stdio: ['ignore', 'pipe', 'pipe'] });
		daemons.add(this.proc);
		const keep = (b) => {
			this.log += b.toString();
			if (this.log.length > 65536)
				this.log = this.log.slice(-65536);
		};
		this.proc.stdout.on('data', keep);
		this.proc.stderr.on('data', keep);
	}

	// Waits until url answers with any HTTP status.
	async ready(url, ms = 20_000) {
		const end = Date.now() + ms;
		let last = null;
		while (Date.now() < end) {
			if (this.proc.exitCode !== null)
				throw new Error('govsecd exited ' +
					`${this.proc.exitCode}:\n${this.log}`);
			try {
				const r = await fetch(url);
				await r.arrayBuffer();
				return;
			} catch (e) {
				last = e;
			}
			await sleep(100);
		}
		throw new Error(`govsecd did not answer on ${url} within ` +
			`${ms} ms (${last && last.message}):\n${this.log}`);
	}

	stop() {
		const d = this.proc;
		daemons.delete(d);
		if (d.exitCode !== null || d.signalCode !== null)
			return Promise.resolve();
		return new Promise((resolve) => {
			const kill = setTimeout(() => d.kill('SIGKILL'), 5000);
			d.once('exit', () => {
				clearTimeout(kill);
				resolve();
			});
			d.kill('SIGTERM');
		});
	}
}

// The end of a test file: the browser closed, then the daemon stopped, a
// test web server (site, optional) closed and the temporary directory
// removed, whatever failed before (each may be null when setting up
// stopped early).
export async function tearDown(browser, daemon, tmp, site) {
	try {
		if (browser)
			await browser.close();
	} finally {
		try {
			if (daemon)
				await daemon.stop();
		} finally {
			if (site)
				await new Promise((resolve) => site.close(resolve));
			if (tmp)
				rmSync(tmp, { recursive: true, force: true });
		}
	}
}

export function launchChromium() {
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox', '--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update', '--no-first-run',
			'--disable-sync'],
	});
}

// A page in a new context that records CSP violations and script errors
// into problems (the tests assert that it stays empty).
export async function openPage(browser, options, problems) {
	const ctx = await browser.newContext(options);
	const page = await ctx.newPage();
	page.setDefaultTimeout(15_000);
	page.on('console', (m) => {
		const text = m.text();
		if (/Content Security Policy|Refused to/i.test(text))
			problems.push(`${page.url()}: ${text}`);
	});
	page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
	return page;
}

// Fills and sends the console's login form (the caller waits for what
// should follow: the dashboard, or an error).
export async function submitLogin(page, name, password) {
	await page.goto('/');
	await page.locator('#login-form').waitFor();
	await page.fill('#login-name', name);
	await page.fill('#login-password', password);
	await page.click('#login-form button[type="submit"]');
}
