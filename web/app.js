/*
 * app.js: the govsec web console, a small hash-routed single page over the
 * JSON API of docs/api.md. Everything the server sends is untrusted data:
 * it reaches the page only through textContent and attribute values, never
 * as markup. No inline scripts, styles or handlers (the CSP forbids them);
 * bars are sized by classes (w-0 .. w-100 in style.css).
 */
(function () {
	'use strict';

	var I = window.GovsecI18n;
	var t = I.t;

	var STATUSES = ['pass', 'fail', 'not_applicable', 'unknown'];
	var AUDIT_PAGE = 100;

	var state = {
		user: null,	/* {user, role, csrf} once signed in */
		next: null,	/* the route to return to after login */
		seq: 0,		/* render generation: stale renders stop */
		units: null	/* cache: uscc -> unit record */
	};

	/* ---- DOM helpers (text only, never markup) ---- */

	function $(id) {
		return document.getElementById(id);
	}

	/*
	 * h('tag', {attr: value, ...}, child, ...): a new element. "class",
	 * "text" (textContent) and "for" are special; attributes named on*
	 * or style are refused so nothing can sneak in a handler or style.
	 * Children are nodes or strings (added as text); null is skipped.
	 */
	function h(tag, attrs) {
		var el = document.createElement(tag);
		var k, i, c;

		if (attrs) {
			for (k in attrs) {
				if (!Object.prototype.hasOwnProperty.call(attrs, k))
					continue;
				var v = attrs[k];
				if (v === null || v === undefined || v === false)
					continue;
				if (/^on/i.test(k) || k === 'style')
					throw new Error('refused attribute ' + k);
				if (k === 'class')
					el.className = v;
				else if (k === 'text')
					el.textContent = String(v);
				else if (v === true)
					el.setAttribute(k, '');
				else
					el.setAttribute(k, String(v));
			}
		}
		for (i = 2; i < arguments.length; i++) {
			c = arguments[i];
			if (c === null || c === undefined || c === false)
				continue;
			if (Array.isArray(c)) {
				c.forEach(function (x) {
					if (x !== null && x !== undefined)
						el.appendChild(typeof x === 'object' ?
						    x : document.createTextNode(String(x)));
				});
			} else {
				el.appendChild(typeof c === 'object' ? c :
				    document.createTextNode(String(c)));
			}
		}
		return el;
	}

	function clear(el) {
		while (el.firstChild)
			el.removeChild(el.firstChild);
	}

	function href(route, params) {
		var q = [];
		var k;

		if (params) {
			for (k in params) {
				if (params[k] !== undefined && params[k] !== null &&
				    params[k] !== '')
					q.push(encodeURIComponent(k) + '=' +
					    encodeURIComponent(params[k]));
			}
		}
		return '#/' + route + (q.length ? '?' + q.join('&') : '');
	}

	function link(route, params, text, attrs) {
		var a = h('a', attrs || {}, text);
		a.setAttribute('href', href(route, params));
		return a;
	}

	/* "2024-07-01T02:03:04Z" -> "2024-07-01 10:03:04" (Asia/Shanghai). */
	function fmtTime(s) {
		var d = new Date(s);
		var f;

		if (typeof s !== 'string' || isNaN(d.getTime()))
			return s === null || s === undefined ? t('none') : String(s);
		try {
			f = new Intl.DateTimeFormat('sv-SE', {
				timeZone: 'Asia/Shanghai', year: 'numeric',
				month: '2-digit', day: '2-digit', hour: '2-digit',
				minute: '2-digit', second: '2-digit', hour12: false
			});
			return f.format(d);
		} catch (e) {
			return s;
		}
	}

	function num(n) {
		return typeof n === 'number' && isFinite(n) ? n : 0;
	}

	function enumLabel(prefix, v) {
		if (v === null || v === undefined || v === '')
			return t('none');
		return I.has(prefix + '.' + v) ? t(prefix + '.' + v) : String(v);
	}

	function statusBadge(s, testid) {
		var known = STATUSES.indexOf(s) >= 0;
		return h('span', {
			class: 'badge badge-' + (known ? s : 'unknown'),
			'data-status': known ? s : 'unknown',
			'data-testid': testid || null
		}, known ? t('status.' + s) : String(s));
	}

	/* Requirement ID with its title in both languages: current first. */
	function reqTitle(id, fallbackEn, fallbackZh) {
		var r = I.requirement(id);
		var en = r ? r[0] : (fallbackEn || '');
		var zh = r ? r[1] : (fallbackZh || '');
		var first = I.lang() === 'zh' ? zh : en;
		var second = I.lang() === 'zh' ? en : zh;

		return h('span', {class: 'bilingual'},
		    h('span', {class: 'bi-primary', lang: I.lang() === 'zh' ?
			'zh-CN' : 'en', text: first || second || ''}),
		    second && first ? h('span', {class: 'bi-secondary',
			lang: I.lang() === 'zh' ? 'en' : 'zh-CN', text: second}) :
			null);
	}

	function pageHeader(titleKey, introKey, id) {
		return h('div', {class: 'page-head'},
		    h('h1', {id: id || null, tabindex: '-1', text: t(titleKey)}),
		    introKey ? h('p', {class: 'muted', text: t(introKey)}) : null);
	}

	function panel(title, body, attrs) {
		var sec = h('section', attrs || {class: 'panel'});
		if (!sec.className)
			sec.className = 'panel';
		if (title)
			sec.appendChild(h('h2', {class: 'panel-title', text: title}));
		if (body)
			sec.appendChild(body);
		return sec;
	}

	/*
	 * A semantic table: cols is [{key, label, num}], rows an array of
	 * arrays of cells (node or string); rowAttrs(i) gives extra <tr>
	 * attributes.
	 */
	function table(id, caption, cols, rows, rowAttrs) {
		var thead = h('thead', null, h('tr', null, cols.map(function (c) {
			return h('th', {scope: 'col', class: c.num ? 'num' : null,
			    text: c.label});
		})));
		var tbody = h('tbody');
		rows.forEach(function (cells, i) {
			var tr = h('tr', rowAttrs ? rowAttrs(i) : null);
			cells.forEach(function (cell, j) {
				var td = h(j === 0 && cols[0].rowHeader ? 'th' :
				    'td', {class: cols[j] && cols[j].num ? 'num' :
				    (cols[j] && cols[j].cls) || null});
				if (j === 0 && cols[0].rowHeader)
					td.setAttribute('scope', 'row');
				if (cell !== null && cell !== undefined)
					td.appendChild(typeof cell === 'object' ?
					    cell : document.createTextNode(
					    String(cell)));
				tr.appendChild(td);
			});
			tbody.appendChild(tr);
		});
		return h('div', {class: 'table-wrap'},
		    h('table', {id: id, 'data-testid': id, class: 'data'},
			caption ? h('caption', {class: 'sr-only',
			    text: caption}) : null, thead, tbody));
	}

	/* A stacked bar of pass/fail/n.a./unknown, sized by classes. */
	function bar(c) {
		var total = 0;
		var el = h('div', {class: 'bar', role: 'img'});
		var parts = [];
		var used = 0;

		STATUSES.forEach(function (s) {
			total += num(c[s]);
		});
		STATUSES.forEach(function (s, i) {
			var n = num(c[s]);
			var w;

			parts.push(t('status.' + s) + ' ' + n);
			if (!total || !n)
				return;
			w = Math.round(n * 100 / total);
			if (w < 1)
				w = 1;
			if (used + w > 100)
				w = 100 - used;
			used += w;
			el.appendChild(h('span', {class: 'seg seg-' + s + ' w-' +
			    w}));
		});
		el.setAttribute('aria-label', parts.join(', '));
		el.setAttribute('title', parts.join(', '));
		return el;
	}

	/* ---- messages ---- */

	function showError(msg) {
		var b = $('error-banner');
		b.textContent = msg;
		b.hidden = false;
	}

	function clearError() {
		var b = $('error-banner');
		b.textContent = '';
		b.hidden = true;
	}

	function errText(err) {
		if (!err || err.status === undefined)
			return t('err.network');
		if (err.status === 403)
			return t('err.forbidden', {msg: err.message});
		if (err.status === 404)
			return t('err.not_found', {msg: err.message});
		return t('err.generic', {status: err.status, msg: err.message});
	}

	/* ---- API ---- */

	function ApiError(status, code, message, retryAfter) {
		this.status = status;
		this.code = code;
		this.message = message;
		this.retryAfter = retryAfter;
	}

	/*
	 * fetch wrapper: same-origin credentials, JSON in and out, the CSRF
	 * token on every state-changing method. Rejects with ApiError; a 401
	 * outside login sends the user back to the login page.
	 */
	function api(method, path, body, raw) {
		var opts = {
			method: method,
			credentials: 'same-origin',
			cache: 'no-store',
			headers: {Accept: 'application/json'}
		};

		/* raw: body is JSON text sent as it is (the server judges it) */
		if (body !== undefined) {
			opts.headers['Content-Type'] = 'application/json';
			opts.body = raw ? String(body) : JSON.stringify(body);
		}
		if (method !== 'GET' && method !== 'HEAD' && state.user &&
		    state.user.csrf)
			opts.headers['X-CSRF-Token'] = state.user.csrf;
		else if (method === 'POST' && state.csrf)	/* must change pw */
			opts.headers['X-CSRF-Token'] = state.csrf;
		return fetch(path, opts).then(function (r) {
			if (r.status === 204)
				return null;
			return r.text().then(function (text) {
				var data = null;
				var e;

				try {
					data = text ? JSON.parse(text) : null;
				} catch (x) {
					data = null;
				}
				if (r.ok)
					return data;
				e = data && data.error ? data.error : {};
				throw new ApiError(r.status, e.code || '',
				    e.message || r.statusText || String(r.status),
				    r.headers.get('Retry-After'));
			});
		}, function () {
			throw new ApiError(undefined, 'network', t('err.network'));
		}).catch(function (err) {
			if (err instanceof ApiError && err.status === 401 &&
			    path !== '/api/login' && path !== '/api/me' &&
			    path !== '/api/login/code' &&
			    path !== '/api/password')
				sessionEnded();
			throw err;
		});
	}

	function q(path, params) {
		var parts = [];
		var k;

		for (k in params) {
			if (params[k] !== undefined && params[k] !== null &&
			    params[k] !== '')
				parts.push(encodeURIComponent(k) + '=' +
				    encodeURIComponent(params[k]));
		}
		return path + (parts.length ? '?' + parts.join('&') : '');
	}

	function loadUnits() {
		if (state.units)
			return Promise.resolve(state.units);
		return api('GET', '/api/units').then(function (d) {
			var m = {};
			((d && d.items) || []).forEach(function (u) {
				if (u && typeof u.uscc === 'string')
					m[u.uscc] = u;
			});
			state.units = m;
			return m;
		});
	}

	function unitName(units, uscc) {
		var u = units && units[uscc];
		return u && u.name ? String(u.name) : String(uscc || '');
	}

	/* ---- session ---- */

	function setUser(u) {
		state.user = u;
		state.units = null;
		$('nav').hidden = !u;
		$('logout').hidden = !u;
		$('password-link').hidden = !u;
		$('current-user').hidden = !u;
		document.body.classList.toggle('signed-in', !!u);
		paintChrome();
		/* The login reply does not carry the scope; /api/me does. */
		if (u && u.scope === undefined)
			api('GET', '/api/me').then(function (me) {
				if (state.user !== u)
					return;
				u.scope = me.scope || null;
				paintChrome();
			}, function () {});
	}

	function sessionEnded() {
		if (!state.user)
			return;
		setUser(null);
		state.next = currentRoute().path === 'login' ? null :
		    location.hash;
		state.expired = true;
		go('login');
	}

	function logout() {
		api('POST', '/api/logout').catch(function () {
			/* already gone: sign out locally all the same */
		}).then(function () {
			setUser(null);
			state.next = null;
			go('login');
		});
	}

	/* ---- routing ---- */

	function currentRoute() {
		var hash = location.hash || '';
		var path, query, params = {};

		if (hash.indexOf('#/') !== 0)
			return {path: '', parts: [], params: params};
		hash = hash.slice(2);
		path = hash.split('?')[0];
		query = hash.indexOf('?') >= 0 ?
		    hash.slice(hash.indexOf('?') + 1) : '';
		query.split('&').forEach(function (kv) {
			var i = kv.indexOf('=');
			if (!kv)
				return;
			try {
				if (i < 0)
					params[decodeURIComponent(kv)] = '';
				else
					params[decodeURIComponent(kv.slice(0, i))] =
					    decodeURIComponent(kv.slice(i + 1));
			} catch (e) {
				/* a malformed escape: ignore that parameter */
			}
		});
		var parts = path.split('/').map(function (p) {
			try {
				return decodeURIComponent(p);
			} catch (e) {
				return p;
			}
		});
		return {path: parts[0], parts: parts, params: params};
	}

	function go(route, params) {
		var target = href(route, params);
		if (location.hash === target)
			render();
		else
			location.hash = target;
	}

	var ROUTES = {
		login: viewLogin,
		dashboard: viewDashboard,
		units: viewUnits,
		applications: viewApplications,
		findings: viewFindings,
		finding: viewFinding,
		audit: viewAudit
	};

	/* Views of other files (gate.js, inspect.js) get the helpers and add
	 * routes. */
	/* account.js fills in the login's second step and password form */
	var acct = {};

	[window.GovsecGate, window.GovsecInspect, window.GovsecAccount,
	    window.GovsecEcert, window.GovsecMail, window.GovsecCounterfeit]
	    .forEach(function (mount) {
		if (typeof mount === 'function') {
			var more = mount({
				h: h, clear: clear, t: t, I: I, api: api, q: q,
				href: href, link: link, go: go, render: render,
				table: table, panel: panel, pageHeader: pageHeader,
				fmtTime: fmtTime, num: num, errText: errText,
				enumLabel: enumLabel,
				showError: showError, clearError: clearError,
				ApiError: ApiError, state: state,
				acct: acct, loginNext: loginNext
			});
			var k;
			for (k in more) {
				if (Object.prototype.hasOwnProperty.call(more, k) &&
				    !Object.prototype.hasOwnProperty.call(ROUTES, k))
					ROUTES[k] = more[k];
			}
		}
	});

	function render() {
		var r = currentRoute();
		var view = $('view');
		var fn;
		var my = ++state.seq;

		if (!state.user && r.path !== 'login') {
			state.next = r.path ? location.hash : null;
			go('login');
			return;
		}
		if (state.user && r.path === 'login') {
			go('dashboard');
			return;
		}
		fn = ROUTES[r.path] || viewDashboard;
		state.units = null;	/* names are fetched afresh per view */
		clearError();
		markNav(r.path === 'finding' ? 'findings' : r.path === 'gate' ?
		    'gate/' + (r.parts[1] || 'policy') : r.path === 'ecert' ?
		    'ecert/' + (r.parts[1] || 'certificates') :
		    r.path === 'cfcase' ? 'counterfeit' : r.path);
		clear(view);
		view.setAttribute('aria-busy', 'true');
		view.appendChild(h('p', {class: 'muted', text: t('app.loading')}));
		Promise.resolve().then(function () {
			return fn(r, function alive() {
				return my === state.seq;
			});
		}).then(function (node) {
			if (my !== state.seq || !node)
				return;
			clear(view);
			view.appendChild(node);
			view.removeAttribute('aria-busy');
			document.title = (node.getAttribute('data-title') ||
			    t('app.title')) + ' · govsec';
			if (state.focusHeading) {
				var h1 = view.querySelector('h1');
				if (h1)
					h1.focus();
			}
			state.focusHeading = true;
		}).catch(function (err) {
			if (my !== state.seq)
				return;
			view.removeAttribute('aria-busy');
			clear(view);
			if (err instanceof ApiError && err.status === 401)
				return;
			showError(err instanceof ApiError ? errText(err) :
			    String(err && err.message || err));
		});
	}

	function markNav(path) {
		var links = document.querySelectorAll('#nav a[data-route]');
		Array.prototype.forEach.call(links, function (a) {
			if (a.getAttribute('data-route') === path)
				a.setAttribute('aria-current', 'page');
			else
				a.removeAttribute('aria-current');
		});
	}

	/* Static labels in index.html, the toggle and the user line. */
	function paintChrome() {
		var els = document.querySelectorAll('[data-i18n]');
		Array.prototype.forEach.call(els, function (el) {
			el.textContent = t(el.getAttribute('data-i18n'));
		});
		els = document.querySelectorAll('[data-i18n-aria]');
		Array.prototype.forEach.call(els, function (el) {
			el.setAttribute('aria-label',
			    t(el.getAttribute('data-i18n-aria')));
		});
		var tog = $('lang-toggle');
		tog.textContent = t('lang.toggle');
		tog.setAttribute('aria-label', t('lang.toggle.label'));
		tog.setAttribute('lang', I.lang() === 'zh' ? 'en' : 'zh-CN');
		tog.setAttribute('data-lang', I.lang());
		var sc = state.user && state.user.scope;
		/* The gate concerns no unit: not for accounts scoped to one. */
		$('nav-gate-label').parentNode.hidden = !!sc;
		/* nor the verification service's operators and the log */
		$('nav-ecert-operators').parentNode.hidden = !!sc;
		$('nav-ecert-log').parentNode.hidden = !!sc;
		/* nor are counterfeit cases (a department's duty) */
		$('nav-counterfeit').parentNode.hidden = !!sc;
		$('current-user').textContent = state.user ?
		    t('user.signed_in', {user: state.user.user,
		    role: state.user.role}) + (sc ? t('user.scope.' + sc.kind,
		    {code: sc.code, name: sc.name || sc.code}) : '') : '';
		document.title = t('app.title');
	}

	/* ---- views ---- */

	function viewLogin() {
		var err = h('p', {id: 'login-error', 'data-testid': 'login-error',
		    class: 'banner banner-error', role: 'alert', hidden: true});
		var name = h('input', {id: 'login-name', name: 'name',
		    type: 'text', autocomplete: 'username', required: true,
		    maxlength: '128', autocapitalize: 'none', spellcheck: 'false'});
		var pw = h('input', {id: 'login-password', name: 'password',
		    type: 'password', autocomplete: 'current-password',
		    required: true, maxlength: '1024'});
		var submit = h('button', {type: 'submit', id: 'login-submit',
		    class: 'btn btn-primary', text: t('login.submit')});
		var form = h('form', {id: 'login-form', 'data-testid': 'login-form',
		    class: 'form', novalidate: true, 'aria-labelledby': 'login-title'},
		    err,
		    h('div', {class: 'field'},
			h('label', {for: 'login-name', text: t('login.name')}),
			name),
		    h('div', {class: 'field'},
			h('label', {for: 'login-password',
			    text: t('login.password')}), pw),
		    h('div', {class: 'actions'}, submit));

		if (state.expired) {
			err.textContent = t('login.expired');
			err.className = 'banner banner-info';
			err.hidden = false;
			state.expired = false;
		}
		form.addEventListener('submit', function (ev) {
			ev.preventDefault();
			if (!name.value || !pw.value) {
				err.className = 'banner banner-error';
				err.textContent = t('login.failed');
				err.hidden = false;
				(name.value ? pw : name).focus();
				return;
			}
			submit.disabled = true;
			submit.textContent = t('login.busy');
			err.hidden = true;
			api('POST', '/api/login', {name: name.value,
			    password: pw.value}).then(function (d) {
				var typed = pw.value;

				pw.value = '';
				loginNext(box, d, typed);
			}, function (e) {
				submit.disabled = false;
				submit.textContent = t('login.submit');
				err.className = 'banner banner-error';
				if (e.status === 401)
					err.textContent = t('login.failed');
				else if (e.status === 403 &&
				    /second factor/.test(e.message))
					err.textContent = t('login.nofactor');
				else if (e.status === 429)
					err.textContent = e.retryAfter ?
					    t('login.locked', {s: e.retryAfter}) :
					    t('login.locked_later');
				else
					err.textContent = t('login.error',
					    {msg: e.message});
				err.hidden = false;
				pw.value = '';
				pw.focus();
			});
		});
		state.focusHeading = false;
		setTimeout(function () {
			if (document.activeElement === document.body ||
			    !document.activeElement)
				name.focus();
		}, 0);
		var box = h('section', {id: 'login', class: 'login-card',
		    'data-testid': 'login', 'data-title': t('login.title')},
		    h('div', {class: 'login-head'},
			h('span', {class: 'emblem emblem-large',
			    'aria-hidden': 'true'}),
			h('h1', {id: 'login-title', text: t('login.title')}),
			h('p', {class: 'muted', text: t('login.intro')})),
		    form);
		return box;
	}

	/* The end of a login: the session is full. */
	function loginDone(d) {
		var next = state.next;

		state.csrf = null;
		setUser({user: d.user, role: d.role, csrf: d.csrf});
		state.next = null;
		if (next && next.indexOf('#/login') !== 0 &&
		    next !== location.hash)
			location.hash = next;
		else
			go('dashboard');
	}

	/* After a step of the login: the code, a new password, or done. */
	function loginNext(box, d, typed) {
		var step;

		if (d && d.next === 'code')
			step = acct.codeStep(box, typed);
		else if (d && d.next === 'password') {
			state.csrf = d.csrf;
			step = acct.passwordForm(typed, 'pw.expired', loginDone);
		} else {
			loginDone(d);
			return;
		}
		box.replaceChild(step, box.lastChild);
		var first = step.querySelector('input');
		if (first)
			first.focus();
	}

	function card(key, value, id, cls) {
		return h('div', {class: 'card ' + (cls || ''),
		    id: id ? id + '-card' : null},
		    h('div', {class: 'card-value', id: id || null,
			'data-testid': id || null, text: String(value)}),
		    h('div', {class: 'card-label', text: t(key)}));
	}

	/* The overall verdict: compliant only when nothing fails, nothing is
	 * unknown and every requirement was judged. */
	function verdictLine(v, s) {
		v = v === 'compliant' || v === 'failing' ? v : 'incomplete';
		return h('p', {id: 'verdict', 'data-testid': 'verdict',
		    'data-verdict': v, class: 'verdict verdict-' + v},
		    h('strong', {text: t('verdict.' + v)}),
		    document.createTextNode(' ' + t('verdict.' + v + '.help',
			{n: String(num(s && s.not_judged))})));
	}

	/* Every requirement of the catalogue with how it was judged. */
	function requirementsPanel(reqs) {
		var rows = reqs.map(function (q) {
			var how = t('judged.' + q.judged_by);

			if (q.observed)
				how += ' (' + q.observed + ')';
			if (num(q.attested) && q.judged_by !== 'attestation')
				how += ' · ' + t('judged.attested',
				    {n: String(num(q.attested))});
			return [link('findings', {requirement: q.id}, q.id,
			    {class: 'req-id mono'}),
			    reqTitle(q.id, q.title, q.title_zh),
			    t('req.' + q.verdict), how];
		});

		return panel(t('dash.requirements'), table('requirements',
		    t('dash.requirements'),
		    [{label: t('col.requirement'), rowHeader: true},
			{label: t('col.title')}, {label: t('col.verdict')},
			{label: t('col.judged')}], rows,
		    function (i) {
			    return {'data-requirement': reqs[i].id,
				'data-verdict': reqs[i].verdict,
				'data-judged': reqs[i].judged_by};
		    }));
	}

	function viewDashboard(r, alive) {
		return api('GET', '/api/dashboard').then(function (d) {
			var s = (d && d.summary) || {};
			var c = (d && d.counts) || {};
			var byUnit = (d && d.by_unit) || [];
			var byReq = (d && d.by_requirement) || [];
			var decided = num(s.pass) + num(s.fail) + num(s.unknown);
			var rate = decided ? Math.round(num(s.pass) * 1000 /
			    decided) / 10 + '%' : t('none');
			var root = h('div', {id: 'dashboard', 'data-testid':
			    'dashboard', 'data-title': t('nav.dashboard')});

			root.appendChild(pageHeader('dash.title', 'dash.intro'));
			root.appendChild(verdictLine(d && d.verdict, s));
			root.appendChild(examinationLine(d && d.examination));
			var cards = h('div', {class: 'cards', role: 'group',
			    'aria-label': t('dash.summary')},
			    card('status.fail', num(s.fail), 'summary-fail',
				'card-fail'),
			    card('status.unknown', num(s.unknown),
				'summary-unknown', 'card-unknown'),
			    card('status.pass', num(s.pass), 'summary-pass',
				'card-pass'),
			    card('status.not_applicable', num(s.not_applicable),
				'summary-na', 'card-na'),
			    card('status.overdue', num(s.overdue),
				'summary-overdue', 'card-overdue'),
			    card('dash.rate', rate, 'summary-rate', 'card-rate'));
			cards.lastChild.setAttribute('title', t('dash.rate.help'));
			/* each count card leads to the matching findings */
			['fail', 'unknown', 'pass', 'not_applicable'].forEach(
			    function (st, i) {
				var cd = cards.children[i];
				var a = link('findings', {status: st}, null,
				    {class: 'card-link'});
				while (cd.firstChild)
					a.appendChild(cd.firstChild);
				cd.appendChild(a);
			});
			root.appendChild(panel(t('dash.summary'), cards));

			root.appendChild(panel(t('dash.counts'), h('dl',
			    {class: 'counts', id: 'registry-counts'},
			    ['units', 'applications', 'people', 'grants'].map(
				function (k) {
				return h('div', {class: 'count'},
				    h('dt', {text: t('dash.count.' + k)}),
				    h('dd', {id: 'count-' + k,
					text: String(num(c[k]))}));
			    }))));

			root.appendChild(requirementsPanel(
			    (d && d.requirements) || []));
			if (!byUnit.length && !byReq.length) {
				root.appendChild(h('p', {class: 'empty',
				    text: t('dash.none')}));
				return root;
			}
			var statusCols = STATUSES.map(function (st) {
				return {label: t('status.' + st), num: true};
			});
			var unitRows = byUnit.map(function (u) {
				var total = 0;
				STATUSES.forEach(function (st) {
					total += num(u[st]);
				});
				return [h('span', null,
				    link('units/' + encodeURIComponent(u.unit),
					null, u.name || u.unit),
				    h('span', {class: 'sub mono', text: u.unit}))]
				    .concat(STATUSES.map(function (st) {
					return st === 'fail' && num(u[st]) ?
					    link('findings', {unit: u.unit,
						status: 'fail'},
						String(num(u[st])),
						{class: 'num-link'}) :
					    String(num(u[st]));
				    }))
				    .concat([String(total), bar(u)]);
			});
			root.appendChild(panel(t('dash.by_unit'),
			    table('by-unit', t('dash.by_unit'),
				[{label: t('col.unit'), rowHeader: true}]
				.concat(statusCols)
				.concat([{label: t('col.total'), num: true},
				    {label: t('col.distribution'),
					cls: 'cell-bar'}]), unitRows,
				function (i) {
				    return {'data-unit': byUnit[i].unit};
				})));

			var reqRows = byReq.map(function (q2) {
				var total = 0;
				STATUSES.forEach(function (st) {
					total += num(q2[st]);
				});
				return [link('findings',
				    {requirement: q2.requirement},
				    q2.requirement, {class: 'req-id mono'}),
				    reqTitle(q2.requirement)]
				    .concat(STATUSES.map(function (st) {
					return String(num(q2[st]));
				    }))
				    .concat([String(total), bar(q2)]);
			});
			root.appendChild(panel(t('dash.by_requirement'),
			    table('by-requirement', t('dash.by_requirement'),
				[{label: t('col.requirement'), rowHeader: true},
				    {label: t('col.title')}]
				.concat(statusCols)
				.concat([{label: t('col.total'), num: true},
				    {label: t('col.distribution'),
					cls: 'cell-bar'}]), reqRows,
				function (i) {
				    return {'data-requirement':
					byReq[i].requirement};
				})));
			return root;
		});
	}

	/* Value of a record field as text or a node. */
	function fieldValue(key, v, units) {
		if (v === null || v === undefined || v === '')
			return t('none');
		if (typeof v === 'boolean')
			return v ? t('yes') : t('no');
		if (key === 'kind')
			return enumLabel('kind', v);
		if (key === 'level')
			return enumLabel('level', v);
		if (key === 'type')
			return enumLabel('type', v);
		if (key === 'status')
			return enumLabel('appstatus', v);
		if ((key === 'unit' || key === 'parent') && typeof v ===
		    'string')
			return h('span', null, link('units/' +
			    encodeURIComponent(v), null, unitName(units, v)),
			    h('span', {class: 'sub mono', text: v}));
		if (Array.isArray(v)) {
			if (!v.length)
				return t('none');
			if (v.every(function (x) {
				return typeof x !== 'object' || x === null;
			}))
				return h('ul', {class: 'plain-list'},
				    v.map(function (x) {
					return h('li', {text: String(x)});
				    }));
			return h('ul', {class: 'plain-list'}, v.map(function (x) {
				return h('li', null, objectLine(x));
			}));
		}
		if (typeof v === 'object')
			return objectLine(v);
		return String(v);
	}

	/* {name: "a", main: true} -> "name: a · main: yes" */
	function objectLine(o) {
		var span = h('span', {class: 'objline'});
		var first = true;
		Object.keys(o || {}).forEach(function (k) {
			var v = o[k];
			if (!first)
				span.appendChild(h('span', {class: 'sep',
				    'aria-hidden': 'true', text: ' · '}));
			first = false;
			span.appendChild(h('span', {class: 'k',
			    text: (I.has('field.' + k) ? t('field.' + k) : k) +
			    ': '}));
			span.appendChild(h('span', {text: typeof v === 'boolean' ?
			    (v ? t('yes') : t('no')) : typeof v === 'object' ?
			    JSON.stringify(v) : String(v)}));
		});
		return span;
	}

	/* A record as a definition list; nested objects flatten to a.b. */
	function recordList(rec, units, id) {
		var dl = h('dl', {class: 'kv', id: id || null});
		function add(prefix, o) {
			Object.keys(o).forEach(function (k) {
				var key = prefix ? prefix + '.' + k : k;
				var v = o[k];
				if (v && typeof v === 'object' &&
				    !Array.isArray(v)) {
					add(key, v);
					return;
				}
				dl.appendChild(h('div', {class: 'kv-row',
				    'data-field': key},
				    h('dt', {text: I.has('field.' + key) ?
					t('field.' + key) : key}),
				    h('dd', null, fieldValue(k, v, units))));
			});
		}
		add('', rec || {});
		return dl;
	}

	function domainsText(a) {
		var d = Array.isArray(a.domains) ? a.domains : [];
		return d.map(function (x) {
			return x && x.name ? String(x.name) : '';
		}).filter(Boolean).join(', ') || t('none');
	}

	function viewUnits(r) {
		if (r.parts[1])
			return viewUnit(r.parts[1]);
		return loadUnits().then(function (units) {
			var list = Object.keys(units).map(function (k) {
				return units[k];
			});
			var root = h('div', {id: 'units-page',
			    'data-title': t('units.title')},
			    pageHeader('units.title', 'units.intro'));
			if (!list.length) {
				root.appendChild(h('p', {class: 'empty',
				    text: t('units.none')}));
				return root;
			}
			list.sort(function (a, b) {
				return String(a.uscc).localeCompare(String(b.uscc));
			});
			root.appendChild(panel(null, table('units',
			    t('units.title'), [
				{label: t('col.name'), rowHeader: true},
				{label: t('col.uscc')},
				{label: t('col.kind')},
				{label: t('col.level')},
				{label: t('col.region')}],
			    list.map(function (u) {
				return [link('units/' +
				    encodeURIComponent(u.uscc), null,
				    u.name || u.uscc),
				    h('span', {class: 'mono', text: u.uscc}),
				    enumLabel('kind', u.kind),
				    enumLabel('level', u.level),
				    u.region_name ? u.region_name + ' (' +
					(u.region || '') + ')' :
					(u.region || t('none'))];
			    }), function (i) {
				return {'data-uscc': list[i].uscc};
			    })));
			return root;
		});
	}

	function appsTable(id, apps, units, showUnit) {
		var cols = [{label: t('col.name'), rowHeader: true},
		    {label: t('col.id')}, {label: t('col.type')}];
		if (showUnit)
			cols.push({label: t('col.unit')});
		cols.push({label: t('col.status')}, {label: t('col.domains')});
		return table(id, t('apps.title'), cols, apps.map(function (a) {
			var row = [link('applications/' +
			    encodeURIComponent(a.id), null, a.name || a.id),
			    h('span', {class: 'mono', text: a.id}),
			    enumLabel('type', a.type)];
			if (showUnit)
				row.push(link('units/' +
				    encodeURIComponent(a.unit), null,
				    unitName(units, a.unit)));
			row.push(enumLabel('appstatus', a.status || 'live'),
			    domainsText(a));
			return row;
		}), function (i) {
			return {'data-app': apps[i].id};
		});
	}

	/* Fail first, then unknown, pass, not applicable; stable. */
	function bySeverity(list) {
		var rank = {fail: 0, unknown: 1, pass: 2, not_applicable: 3};
		return list.map(function (f, i) {
			return {f: f, i: i};
		}).sort(function (a, b) {
			var ra = rank[a.f.status] === undefined ? 1 :
			    rank[a.f.status];
			var rb = rank[b.f.status] === undefined ? 1 :
			    rank[b.f.status];
			return ra - rb || a.i - b.i;
		}).map(function (x) {
			return x.f;
		});
	}

	/* A finding's evidence and fix in the console's language: the
	 * Chinese where the server has it, else the English. */
	function evidenceOf(f) {
		return (I.lang() === 'zh' && f.evidence_zh) || f.evidence || '';
	}

	function fixOf(f) {
		return (I.lang() === 'zh' && f.fix_zh) || f.fix || '';
	}

	/* The order of the report's unit sections (the server's "units":
	 * most failures first), then severity within a unit; stable. */
	function byUnitGroup(list, groups) {
		var pos = {};
		(groups || []).forEach(function (g, i) {
			pos[g.unit === null ? '' : g.unit] = i;
		});
		return bySeverity(list).map(function (f, i) {
			var k = pos[f.unit || ''];
			return {f: f, i: i, g: k === undefined ? 1e9 : k};
		}).sort(function (a, b) {
			return a.g - b.g || a.i - b.i;
		}).map(function (x) {
			return x.f;
		});
	}

	/* What the run examined and when (the report's header). */
	function examinationLine(x) {
		x = x || {};
		var scope = x.unit ? t('report.scope.unit', {code: x.unit}) :
		    x.scoped ? t('report.scope.account') : t('report.scope.all');
		return h('p', {class: 'muted examination', id: 'examination',
		    'data-testid': 'examination', 'data-date': x.date || '',
		    text: t('report.examination', {date: x.date || '',
			at: x.at || '', scope: scope,
			units: String(num(x.units)),
			apps: String(num(x.applications)),
			rules: String(num(x.rules)),
			reqs: String(num(x.requirements))})});
	}

	/* The report's unit sections as a table: name, code and counts. */
	function unitGroupsPanel(groups) {
		var order = ['fail', 'unknown', 'pass', 'not_applicable'];
		var rows = groups.map(function (g) {
			var name = g.unit ? link('findings', {unit: g.unit},
			    g.name || g.unit) : h('span', {text:
			    t('report.no_unit')});
			return [h('span', null, name, g.unit ? h('span',
			    {class: 'sub mono', text: g.unit}) : null)]
			    .concat(order.map(function (st) {
				return String(num(g[st]));
			    }));
		});
		var body = h('div', null, h('p', {class: 'muted',
		    text: t('report.by_unit.help')}),
		    table('findings-units', t('report.by_unit'),
			[{label: t('col.unit'), rowHeader: true}]
			.concat(order.map(function (st) {
			    return {label: t('status.' + st), num: true};
			})), rows, function (i) {
			    var a = {'data-unit': groups[i].unit || ''};
			    order.forEach(function (st) {
				    a['data-' + st] = String(num(groups[i][st]));
			    });
			    return a;
			}));
		return panel(t('report.by_unit'), body, {class: 'panel',
		    id: 'findings-by-unit'});
	}

	function findingsTable(id, findings, units, showUnit, groups) {
		findings = groups ? byUnitGroup(findings, groups) :
		    bySeverity(findings);
		var cols = [{label: t('col.status')},
		    {label: t('col.requirement')},
		    {label: t('col.title'), cls: 'cell-title'},
		    {label: t('col.object')}];
		if (showUnit)
			cols.push({label: t('col.unit'), cls: 'cell-unit'});
		cols.push({label: t('col.evidence'), cls: 'cell-evidence'},
		    {label: t('col.owner')}, {label: t('col.due')},
		    {label: t('col.details')});
		return table(id, t('findings.title'), cols,
		    findings.map(function (f) {
			var title = I.lang() === 'zh' ?
			    (f.title_zh || f.title) : (f.title || f.title_zh);
			var row = [statusBadge(f.status),
			    h('span', {class: 'mono req-id',
				text: f.requirement || ''}),
			    title || f.rule || '',
			    objectLink(f, units)];
			if (showUnit)
				row.push(f.unit ? unitName(units, f.unit) :
				    t('none'));
			row.push(h('span', {class: 'clip',
			    text: evidenceOf(f)}),
			    f.owner || t('none'),
			    h('span', {class: f.overdue ? 'overdue' : null,
				text: (f.due || t('none')) + (f.overdue ?
				' · ' + t('status.overdue') : '')}),
			    link('finding', {rule: f.rule, object: f.object,
				unit: f.unit}, t('findings.open'), {class: 'btn btn-small',
				'data-testid': 'finding-link',
				'aria-label': t('findings.open') + ': ' +
				(f.requirement || '') + ' ' + (title || '') +
				' — ' + (f.object || '')}));
			return row;
		}), function (i) {
			return {'data-status': findings[i].status,
			    'data-unit': findings[i].unit || '',
			    'data-rule': findings[i].rule,
			    'data-requirement': findings[i].requirement,
			    class: findings[i].overdue ? 'row-overdue' : null};
		});
	}

	/*
	 * What a finding is about: {type, key}. The API gives a bare key with
	 * object_type ("application", "unit", "grant", "outsourcer"); a
	 * "type:key" object without object_type is understood too.
	 */
	function objectRef(f) {
		var s = String(f.object || '');
		var type = typeof f.object_type === 'string' ? f.object_type : '';
		var m = /^(unit|app|application|grant|outsourcer|person):(.+)$/
		    .exec(s);

		if (m && (!type || type === m[1] ||
		    (type === 'application' && m[1] === 'app')))
			return {type: m[1] === 'app' ? 'application' : m[1],
			    key: m[2]};
		return {type: type, key: s};
	}

	/* Applications and units become links; the type is shown under. */
	function objectLink(f, units) {
		var o = objectRef(f);
		var main;

		if (o.type === 'application' && o.key)
			main = link('applications/' + encodeURIComponent(o.key),
			    null, o.key, {class: 'mono nowrap'});
		else if (o.type === 'unit' && o.key)
			main = link('units/' + encodeURIComponent(o.key), null,
			    units ? unitName(units, o.key) : o.key);
		else
			main = h('span', {class: 'mono nowrap', text: o.key});
		return h('span', null, main, o.type ? h('span', {class: 'sub',
		    text: I.has('objtype.' + o.type) ? t('objtype.' + o.type) :
		    o.type}) : null);
	}

	function viewUnit(uscc) {
		return Promise.all([
			api('GET', '/api/units/' + encodeURIComponent(uscc)),
			api('GET', q('/api/applications', {unit: uscc})),
			api('GET', q('/api/findings', {unit: uscc})),
			loadUnits().catch(function () { return {}; })
		]).then(function (res) {
			var u = res[0] || {};
			var apps = (res[1] && res[1].items) || [];
			var fs = (res[2] && res[2].findings) || [];
			var units = res[3];
			var root = h('div', {id: 'unit-detail',
			    'data-testid': 'unit-detail',
			    'data-title': String(u.name || uscc)},
			    h('p', {class: 'crumbs'}, link('units', null,
				t('back.units'))),
			    h('div', {class: 'page-head'},
				h('h1', {tabindex: '-1', id: 'unit-name',
				    text: u.name || uscc}),
				h('p', {class: 'muted mono', text: uscc})));
			root.appendChild(summaryLine(res[2] && res[2].summary,
			    uscc));
			root.appendChild(panel(t('unit.record'),
			    recordList(u, units, 'unit-record')));
			root.appendChild(panel(t('unit.apps'), apps.length ?
			    appsTable('unit-apps', apps, units, false) :
			    h('p', {class: 'empty', text: t('unit.apps.none')})));
			root.appendChild(panel(t('unit.findings'), fs.length ?
			    findingsTable('unit-findings', fs, units, false) :
			    h('p', {class: 'empty',
				text: t('findings.none')})));
			return root;
		});
	}

	/* Small status counts line, each a link to the filtered list. */
	function summaryLine(s, unit) {
		var p = h('p', {class: 'summary-line'});
		s = s || {};
		STATUSES.forEach(function (st) {
			p.appendChild(link('findings', {unit: unit, status: st},
			    null, {class: 'chip chip-' + st},
			    null));
			p.lastChild.appendChild(document.createTextNode(
			    t('status.' + st) + ' ' + num(s[st])));
		});
		return p;
	}

	function viewApplications(r) {
		if (r.parts[1])
			return viewApp(r.parts[1]);
		var unit = r.params.unit || '';
		return Promise.all([
			api('GET', q('/api/applications', {unit: unit})),
			loadUnits()
		]).then(function (res) {
			var apps = (res[0] && res[0].items) || [];
			var units = res[1];
			var root = h('div', {id: 'applications-page',
			    'data-title': t('apps.title')},
			    pageHeader('apps.title', 'apps.intro'));
			root.appendChild(unitFilter(units, unit, 'applications'));
			root.appendChild(panel(null, apps.length ?
			    appsTable('applications', apps, units, true) :
			    h('p', {class: 'empty', text: t('apps.none')})));
			return root;
		});
	}

	function unitSelect(id, units, value) {
		var sel = h('select', {id: id, name: 'unit'},
		    h('option', {value: '', text: t('findings.any_unit')}));
		Object.keys(units).sort().forEach(function (k) {
			sel.appendChild(h('option', {value: k,
			    text: unitName(units, k) + ' (' + k + ')'}));
		});
		sel.value = value || '';
		return sel;
	}

	function unitFilter(units, value, route) {
		var sel = unitSelect('apps-filter-unit', units, value);
		var form = h('form', {class: 'filters', id: 'apps-filters',
		    role: 'search'},
		    h('div', {class: 'field field-inline'},
			h('label', {for: 'apps-filter-unit',
			    text: t('apps.filter.unit')}), sel),
		    h('div', {class: 'actions'}, h('button', {type: 'submit',
			class: 'btn', text: t('findings.filter.apply')})));
		form.addEventListener('submit', function (ev) {
			ev.preventDefault();
			go(route, {unit: sel.value});
		});
		return form;
	}

	function viewApp(id) {
		return api('GET', '/api/applications/' +
		    encodeURIComponent(id)).then(function (a) {
			a = a || {};
			return Promise.all([
				a.unit ? api('GET', q('/api/findings',
				    {unit: a.unit})) : {findings: []},
				loadUnits().catch(function () { return {}; })
			]).then(function (res) {
				var fs = ((res[0] && res[0].findings) || [])
				    .filter(function (f) {
					var o = objectRef(f);
					return o.type === 'application' &&
					    o.key === id;
				    });
				var units = res[1];
				var root = h('div', {id: 'app-detail',
				    'data-testid': 'app-detail',
				    'data-title': String(a.name || id)},
				    h('p', {class: 'crumbs'}, link('applications',
					null, t('back.apps'))),
				    h('div', {class: 'page-head'},
					h('h1', {tabindex: '-1', id: 'app-name',
					    text: a.name || id}),
					h('p', {class: 'muted'},
					    enumLabel('type', a.type), ' · ',
					    h('span', {class: 'mono',
						text: id}))));
				root.appendChild(panel(t('app.record'),
				    recordList(a, units, 'app-record')));
				root.appendChild(panel(t('app.findings'),
				    fs.length ? findingsTable('app-findings', fs,
					units, false) :
				    h('p', {class: 'empty',
					text: t('findings.none')})));
				return root;
			});
		});
	}

	function viewFindings(r) {
		var p = r.params;
		return Promise.all([
			api('GET', q('/api/findings', {unit: p.unit,
			    status: p.status, requirement: p.requirement})),
			loadUnits(),
			api('GET', '/api/rules').catch(function () {
				return {rules: []};
			})
		]).then(function (res) {
			var fs = (res[0] && res[0].findings) || [];
			var units = res[1];
			var rules = (res[2] && res[2].rules) || [];
			var root = h('div', {id: 'findings-page',
			    'data-testid': 'findings-page',
			    'data-title': t('findings.title')},
			    pageHeader('findings.title', 'findings.intro'));

			/* of the unit (if chosen) and the scope, whatever the
			 * filters */
			root.appendChild(verdictLine(res[0] && res[0].verdict,
			    res[0] && res[0].summary));
			root.appendChild(examinationLine(res[0] &&
			    res[0].examination));
			root.appendChild(findingFilters(p, units, rules));
			var groups = (res[0] && res[0].units) || [];
			if (groups.length)
				root.appendChild(unitGroupsPanel(groups));
			root.appendChild(h('p', {class: 'muted', id:
			    'findings-count', role: 'status',
			    text: t('findings.count', {n: fs.length})}));
			root.appendChild(panel(null, fs.length ?
			    findingsTable('findings', fs, units, true, groups) :
			    h('p', {class: 'empty', id: 'findings-empty',
				text: t('findings.none')})));
			return root;
		});
	}

	function findingFilters(p, units, rules) {
		var unit = unitSelect('filter-unit', units, p.unit);
		var status = h('select', {id: 'filter-status', name: 'status'},
		    h('option', {value: '', text: t('status.any')}),
		    h('option', {value: 'fail,unknown', text: t('status.open')}),
		    STATUSES.map(function (s) {
			return h('option', {value: s, text: t('status.' + s)});
		    }));
		var reqs = {};
		var req = h('select', {id: 'filter-requirement',
		    name: 'requirement'},
		    h('option', {value: '', text: t('findings.any_requirement')}));

		rules.forEach(function (x) {
			if (x && x.requirement)
				reqs[x.requirement] = x;
		});
		if (p.requirement)
			reqs[p.requirement] = reqs[p.requirement] || {};
		Object.keys(reqs).sort(reqOrder).forEach(function (id) {
			var r = I.requirement(id);
			var title = r ? r[I.lang() === 'zh' ? 1 : 0] :
			    (I.lang() === 'zh' ? reqs[id].title_zh :
			    reqs[id].title) || '';
			req.appendChild(h('option', {value: id,
			    text: id + (title ? ' ' + title : '')}));
		});
		status.value = p.status || '';
		if (status.value !== (p.status || '')) {
			status.appendChild(h('option', {value: p.status,
			    text: p.status}));
			status.value = p.status;
		}
		req.value = p.requirement || '';

		var form = h('form', {class: 'filters', id: 'findings-filters',
		    role: 'search', 'aria-label': t('findings.filters')},
		    h('div', {class: 'field field-inline'},
			h('label', {for: 'filter-unit',
			    text: t('findings.filter.unit')}), unit),
		    h('div', {class: 'field field-inline'},
			h('label', {for: 'filter-status',
			    text: t('findings.filter.status')}), status),
		    h('div', {class: 'field field-inline'},
			h('label', {for: 'filter-requirement',
			    text: t('findings.filter.requirement')}), req),
		    h('div', {class: 'actions'},
			h('button', {type: 'submit', class: 'btn btn-primary',
			    id: 'filter-apply',
			    text: t('findings.filter.apply')}),
			link('findings', null, t('findings.filter.reset'),
			    {class: 'btn', id: 'filter-reset'})));
		form.addEventListener('submit', function (ev) {
			ev.preventDefault();
			go('findings', {unit: unit.value, status: status.value,
			    requirement: req.value});
		});
		return form;
	}

	/* SITE-3 before SITE-10: chapter, then number. */
	function reqOrder(a, b) {
		var ma = /^(.*)-(\d+)$/.exec(a);
		var mb = /^(.*)-(\d+)$/.exec(b);
		if (ma && mb && ma[1] === mb[1])
			return Number(ma[2]) - Number(mb[2]);
		return a < b ? -1 : a > b ? 1 : 0;
	}

	/* How a finding was judged: a person's attestation is named as such,
	 * never as a rule's verdict. */
	function judgedBy(f) {
		if (f.judged_by === 'attestation')
			return t('judged.by_person', {who: f.reviewer || '',
			    date: f.attested || '', expires: f.expires || ''});
		if (f.judged_by === 'observation')
			return t('judged.observation') + ' (' +
			    (f.observed || '') + ')';
		return t('judged.' + (f.judged_by === 'rule' ? 'rule' : 'none'));
	}

	function viewFinding(r) {
		var rule = r.params.rule || '';
		var object = r.params.object || '';
		var unitParam = r.params.unit || '';
		var m = /^unit:(.+)$/.exec(object);

		return Promise.all([
			api('GET', q('/api/findings', {unit: unitParam ||
			    (m ? m[1] : '')})),
			loadUnits().catch(function () { return {}; }),
			api('GET', '/api/rules').catch(function () {
				return {rules: []};
			})
		]).then(function (res) {
			var fs = (res[0] && res[0].findings) || [];
			var units = res[1];
			var rules = (res[2] && res[2].rules) || [];
			var f = fs.filter(function (x) {
				return x.rule === rule && x.object === object;
			})[0];
			var info = rules.filter(function (x) {
				return x.id === rule;
			})[0] || {};
			var root = h('div', {id: 'finding-detail',
			    'data-testid': 'finding-detail',
			    'data-title': t('finding.title')},
			    h('p', {class: 'crumbs'}, link('findings', null,
				t('finding.back'))));

			if (!f) {
				root.appendChild(h('h1', {tabindex: '-1',
				    text: t('finding.title')}));
				root.appendChild(h('p', {class: 'empty',
				    id: 'finding-missing',
				    text: t('finding.notfound')}));
				return root;
			}
			var title = I.lang() === 'zh' ?
			    (f.title_zh || f.title) : (f.title || f.title_zh);
			root.setAttribute('data-status', f.status);
			root.appendChild(h('div', {class: 'page-head'},
			    h('h1', {tabindex: '-1', id: 'finding-title'},
				h('span', {class: 'mono req-id',
				    text: f.requirement || ''}), ' ',
				title || rule),
			    h('p', null, statusBadge(f.status,
				'finding-status'), f.overdue ?
				h('span', {class: 'badge badge-overdue',
				    text: t('status.overdue')}) : null,
				f.judged_by === 'attestation' ?
				h('span', {class: 'badge badge-attested',
				    'data-testid': 'finding-attested',
				    text: t('judged.attestation')}) : null)));

			var dl = h('dl', {class: 'kv'});
			function row(key, value, id) {
				dl.appendChild(h('div', {class: 'kv-row'},
				    h('dt', {text: t(key)}),
				    h('dd', {id: id || null,
					'data-testid': id || null}, value)));
			}
			row('finding.requirement', h('span', {class: 'with-id'},
			    h('span', {class: 'req-id',
				text: f.requirement || ''}),
			    reqTitle(f.requirement, info.title || f.title,
				info.title_zh || f.title_zh)),
			    'finding-requirement');
			row('finding.rule', h('span', {class: 'with-id'},
			    h('span', {class: 'mono', text: rule}),
			    h('span', {class: 'bilingual'},
				h('span', {class: 'bi-primary', text:
				    (I.lang() === 'zh' ? f.title_zh : f.title) ||
				    ''}),
				h('span', {class: 'bi-secondary', text:
				    (I.lang() === 'zh' ? f.title : f.title_zh) ||
				    ''}))), 'finding-rule');
			row('finding.status', statusBadge(f.status), null);
			row('finding.judged', judgedBy(f), 'finding-judged');
			row('finding.object', objectLink(f, units),
			    'finding-object');
			row('finding.unit', f.unit ? h('span', null,
			    link('units/' + encodeURIComponent(f.unit), null,
				unitName(units, f.unit)),
			    h('span', {class: 'sub mono', text: f.unit})) :
			    t('none'), 'finding-unit');
			root.appendChild(panel(null, dl));

			root.appendChild(panel(t('finding.evidence'),
			    h('pre', {id: 'finding-evidence', class: 'evidence',
				'data-testid': 'finding-evidence',
				text: evidenceOf(f) || t('none')})));
			root.appendChild(panel(t('finding.fix'),
			    h('p', {id: 'finding-fix', class: 'fix',
				'data-testid': 'finding-fix',
				text: fixOf(f) || t('finding.nofix')})));
			root.appendChild(ackPanel(f));
			root.appendChild(attestPanel(f));
			return root;
		});
	}

	function ackPanel(f) {
		var cur = h('p', {id: 'ack-current', class: 'muted'});
		var result = h('p', {id: 'ack-result', 'data-testid': 'ack-result',
		    role: 'status', hidden: true});
		var owner = h('input', {id: 'ack-owner', name: 'owner',
		    type: 'text', required: true, maxlength: '256',
		    autocomplete: 'name', value: f.owner || ''});
		var due = h('input', {id: 'ack-due', name: 'due', type: 'date',
		    required: true, value: f.due || ''});
		var note = h('textarea', {id: 'ack-note', name: 'note', rows: '3',
		    maxlength: '1024'});
		var submit = h('button', {type: 'submit', id: 'ack-submit',
		    class: 'btn btn-primary', text: t('finding.ack.submit')});
		var form = h('form', {id: 'ack-form', 'data-testid': 'ack-form',
		    class: 'form form-wide'},
		    h('div', {class: 'field'},
			h('label', {for: 'ack-owner',
			    text: t('finding.ack.owner')}), owner),
		    h('div', {class: 'field'},
			h('label', {for: 'ack-due', text: t('finding.ack.due')}),
			due),
		    h('div', {class: 'field field-full'},
			h('label', {for: 'ack-note',
			    text: t('finding.ack.note')}), note),
		    h('div', {class: 'actions'}, submit));

		note.value = f.note || '';
		function paintCurrent(x) {
			if (x.owner || x.due)
				cur.textContent = t('finding.ack.owner') + ': ' +
				    (x.owner || t('none')) + ' · ' +
				    t('finding.ack.due') + ': ' +
				    (x.due || t('none'));
			else
				cur.textContent = t('finding.ack.none');
		}
		paintCurrent(f);
		var overdue = f.overdue ? h('p', {class: 'banner banner-error',
		    id: 'ack-overdue', text: t('finding.ack.overdue')}) : null;

		form.addEventListener('submit', function (ev) {
			ev.preventDefault();
			if (!form.reportValidity())
				return;
			submit.disabled = true;
			result.hidden = true;
			api('POST', '/api/findings/ack', {rule: f.rule,
			    object: f.object, owner: owner.value.trim(),
			    due: due.value, note: note.value}).then(function () {
				submit.disabled = false;
				result.className = 'banner banner-ok';
				result.textContent = t('finding.ack.saved');
				result.hidden = false;
				paintCurrent({owner: owner.value.trim(),
				    due: due.value});
			}, function (e) {
				submit.disabled = false;
				if (e.status === 401)
					return;
				result.className = 'banner banner-error';
				result.textContent = errText(e);
				result.hidden = false;
			});
		});
		return panel(t('finding.ack'), h('div', null, overdue, cur, form,
		    result), {class: 'panel', id: 'ack-panel'});
	}

	/* A person's verdict on what the rule could not decide (or a
	 * failure it did not see): POST /api/attestations, then the view is
	 * drawn again with the check's new verdict. */
	function attestPanel(f) {
		var result = h('p', {id: 'attest-result',
		    'data-testid': 'attest-result', role: 'status', hidden: true});
		var verdict = h('select', {id: 'attest-verdict', name: 'verdict'},
		    h('option', {value: 'pass', text: t('req.pass')}),
		    h('option', {value: 'fail', text: t('req.fail')}));
		var reviewer = h('input', {id: 'attest-reviewer',
		    name: 'reviewer', type: 'text', required: true,
		    maxlength: '200', autocomplete: 'name'});
		var expires = h('input', {id: 'attest-expires', name: 'expires',
		    type: 'date'});
		var evidence = h('textarea', {id: 'attest-evidence',
		    name: 'evidence', rows: '3', required: true,
		    maxlength: '2000'});
		var submit = h('button', {type: 'submit', id: 'attest-submit',
		    class: 'btn btn-primary', text: t('finding.attest.submit')});
		var form = h('form', {id: 'attest-form',
		    'data-testid': 'attest-form', class: 'form form-wide'},
		    h('div', {class: 'field'}, h('label', {for: 'attest-verdict',
			text: t('col.verdict')}), verdict),
		    h('div', {class: 'field'}, h('label',
			{for: 'attest-reviewer',
			text: t('finding.attest.reviewer')}), reviewer),
		    h('div', {class: 'field'}, h('label',
			{for: 'attest-expires',
			text: t('finding.attest.expires')}), expires),
		    h('div', {class: 'field field-full'}, h('label',
			{for: 'attest-evidence',
			text: t('finding.attest.evidence')}), evidence),
		    h('div', {class: 'actions'}, submit));

		form.addEventListener('submit', function (ev) {
			var body = {requirement: f.requirement,
			    object: f.object, verdict: verdict.value,
			    evidence: evidence.value.trim(),
			    reviewer: reviewer.value.trim()};

			ev.preventDefault();
			if (!form.reportValidity())
				return;
			if (expires.value)
				body.expires = expires.value;
			submit.disabled = true;
			result.hidden = true;
			api('POST', '/api/attestations', body).then(function () {
				render();
			}, function (e) {
				submit.disabled = false;
				if (e.status === 401)
					return;
				result.className = 'banner banner-error';
				result.textContent = errText(e);
				result.hidden = false;
			});
		});
		return panel(t('finding.attest'), h('div', null,
		    h('p', {class: 'muted', text: t('finding.attest.intro')}),
		    form, result), {class: 'panel', id: 'attest-panel'});
	}

	function viewAudit() {
		var root = h('div', {id: 'audit-page', 'data-testid': 'audit-page',
		    'data-title': t('audit.title')},
		    pageHeader('audit.title', 'audit.intro'));
		var verdict = h('p', {id: 'audit-verdict',
		    'data-testid': 'audit-verdict', role: 'status', hidden: true});
		var verify = h('button', {type: 'button', id: 'audit-verify',
		    'data-testid': 'audit-verify', class: 'btn btn-primary',
		    text: t('audit.verify')});
		var more = h('button', {type: 'button', id: 'audit-more',
		    class: 'btn', text: t('audit.more'), hidden: true});
		var end = h('p', {class: 'muted', id: 'audit-end', hidden: true,
		    text: t('audit.end')});
		var tableBox = h('div');
		var tbody = null;
		var oldest = null;

		verify.addEventListener('click', function () {
			verify.disabled = true;
			verdict.hidden = false;
			verdict.className = 'banner banner-info';
			verdict.textContent = t('audit.verifying');
			api('GET', '/api/audit/verify').then(function (v) {
				verify.disabled = false;
				v = v || {};
				if (v.ok === true) {
					verdict.className = 'banner banner-ok';
					verdict.setAttribute('data-ok', 'true');
					verdict.textContent = t('audit.ok', {
					    n: num(v.checked), seq: v.head_seq,
					    hash: String(v.head || '').slice(0,
						16) + '…'});
				} else {
					verdict.className = 'banner banner-error';
					verdict.setAttribute('data-ok', 'false');
					verdict.textContent = t('audit.bad', {
					    seq: v.bad_seq, reason:
					    v.reason || ''});
				}
			}, function (e) {
				verify.disabled = false;
				verdict.className = 'banner banner-error';
				verdict.removeAttribute('data-ok');
				verdict.textContent = errText(e);
			});
		});

		function rows(records) {
			records.forEach(function (x) {
				var hash = String(x.hash || '');
				tbody.appendChild(h('tr', {'data-seq': x.seq},
				    h('td', {class: 'num', text: String(x.seq)}),
				    h('td', {class: 'nowrap', title: x.at,
					text: fmtTime(x.at)}),
				    h('td', {text: x.actor || t('none')}),
				    h('td', {class: 'mono', text: x.action || ''}),
				    h('td', {class: 'mono wrap',
					text: x.object || ''}),
				    h('td', {class: 'mono', title: hash,
					text: hash.slice(0, 12) +
					(hash.length > 12 ? '…' : '')})));
				if (typeof x.seq === 'number' &&
				    (oldest === null || x.seq < oldest))
					oldest = x.seq;
			});
			more.hidden = records.length < AUDIT_PAGE;
			end.hidden = !more.hidden;
		}

		more.addEventListener('click', function () {
			more.disabled = true;
			api('GET', q('/api/audit', {limit: AUDIT_PAGE,
			    before: oldest})).then(function (d) {
				more.disabled = false;
				rows((d && d.records) || []);
			}, function (e) {
				more.disabled = false;
				showError(errText(e));
			});
		});

		return api('GET', q('/api/audit', {limit: AUDIT_PAGE}))
		    .then(function (d) {
			var recs = (d && d.records) || [];
			root.appendChild(panel(null, h('div',
			    {class: 'toolbar'}, verify, verdict)));
			if (!recs.length) {
				tableBox.appendChild(h('p', {class: 'empty',
				    text: t('audit.none')}));
			} else {
				var tw = table('audit', t('audit.title'), [
				    {label: t('col.seq'), num: true},
				    {label: t('col.time')},
				    {label: t('col.actor')},
				    {label: t('col.action')},
				    {label: t('col.object')},
				    {label: t('col.hash')}], []);
				tbody = tw.querySelector('tbody');
				tableBox.appendChild(tw);
				rows(recs);
			}
			root.appendChild(panel(null, h('div', null, tableBox,
			    h('div', {class: 'actions'}, more), end)));
			return root;
		});
	}

	/* ---- start ---- */

	function toggleLang() {
		I.setLang(I.lang() === 'zh' ? 'en' : 'zh', true);
		paintChrome();
		state.focusHeading = false;
		render();
	}

	function start() {
		$('lang-toggle').addEventListener('click', toggleLang);
		$('logout').addEventListener('click', logout);
		$('skip-link').addEventListener('click', function (ev) {
			ev.preventDefault();
			$('main').focus();
		});
		window.addEventListener('hashchange', function () {
			if ((location.hash || '').indexOf('#/') === 0 ||
			    !location.hash)
				render();
		});
		paintChrome();
		state.focusHeading = false;
		api('GET', '/api/me').then(function (me) {
			setUser({user: me.user, role: me.role, csrf: me.csrf,
			    scope: me.scope || null});
		}, function () {
			setUser(null);
		}).then(function () {
			render();
		});
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', start);
	else
		start();
})();
