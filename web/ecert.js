/*
 * ecert.js: the console's pages for e-certificates (docs/ecert.md, the
 * "E-certificates" API of docs/api.md): unit certificates with issuance
 * (the generated key handed over once, as a download, with its
 * passphrase) and revocation; online name applications with the conflict
 * search and the establishment department's approval or rejection with a
 * reason; online logos with their public verification page and badge;
 * the verification service's operators (a key shown once); and the
 * transparency log with inclusion proofs. Only the issuer role sees the
 * forms that decide and issue (the server refuses everyone else anyway);
 * operators and administrators may apply for names of their units.
 * Loaded before app.js, which calls window.GovsecEcert with its helpers
 * and mounts the returned routes. Server data reaches the page only as
 * text (h() and textContent); the CSP forbids inline code and styles.
 */
(function () {
	'use strict';

	var PAGES = ['certificates', 'names', 'logos', 'operators', 'log'];
	var GLOBAL = ['operators', 'log'];	/* not for scoped accounts */
	var REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged',
	    'superseded', 'cessationOfOperation'];
	var BADGE = {valid: 'pass', approved: 'pass', revoked: 'fail',
	    rejected: 'fail', expired: 'unknown', pending: 'unknown',
	    disabled: 'fail'};

	window.GovsecEcert = function (C) {
		var h = C.h, t = C.t, api = C.api, panel = C.panel;

		function role() {
			return C.state.user ? C.state.user.role : '';
		}

		function isIssuer() {
			return role() === 'issuer';
		}

		function canApply() {
			return ['operator', 'admin', 'issuer'].indexOf(role()) >= 0;
		}

		function str(v) {
			return v === null || v === undefined || v === '' ?
			    t('none') : String(v);
		}

		function mono(v, cls) {
			return h('span', {class: 'mono ' + (cls || ''),
			    text: str(v)});
		}

		function when(s) {
			if (!s)
				return t('none');
			return h('span', {class: 'nowrap', title: String(s),
			    text: C.fmtTime(String(s))});
		}

		function state(s, testid) {
			return h('span', {class: 'badge badge-' +
			    (BADGE[s] || 'unknown'), 'data-state': String(s),
			    'data-testid': testid || null,
			    text: C.enumLabel('ecert.state', s)});
		}

		function empty(id, key) {
			return h('p', {class: 'empty', id: id, 'data-testid': id,
			    text: t(key)});
		}

		/* A message after a change, shown once on the page afresh;
		 * code: a value shown only now (a key, a passphrase). */
		function flash(root) {
			var f = C.state.ecertFlash;
			var p;

			if (!f)
				return;
			C.state.ecertFlash = null;
			p = h('div', {id: 'ecert-flash', 'data-testid': 'ecert-flash',
			    role: 'status', class: 'banner banner-' + f.kind},
			    h('span', {text: f.text}));
			if (f.code)
				p.appendChild(h('code', {class: 'mono wrap',
				    'data-testid': 'ecert-flash-code',
				    text: ' ' + f.code}));
			root.insertBefore(p, root.children[1] || null);
		}

		function done(text, code) {
			C.state.ecertFlash = {kind: 'ok', text: text, code: code};
			C.render();
		}

		function page(name) {
			var root = h('div', {id: 'ecert-' + name + '-page',
			    class: 'ecert-page', 'data-testid': 'ecert-' + name,
			    'data-title': t('ecert.' + name + '.title')},
			    C.pageHeader('ecert.' + name + '.title',
				'ecert.' + name + '.intro'));
			flash(root);
			return root;
		}

		function field(id, key, input, helpKey) {
			input.setAttribute('id', id);
			return h('div', {class: 'field'},
			    h('label', {for: id, text: t(key)}),
			    helpKey ? h('p', {class: 'help', text: t(helpKey)}) :
				null, input);
		}

		/*
		 * A form that sends body() to path and then calls ok(reply);
		 * a refusal is shown in the form itself (422 and 409 carry the
		 * server's reason: a conflict, NAME-1, a missing reason).
		 */
		function form(id, fields, btnKey, method, path, body, ok) {
			var err = h('p', {class: 'banner banner-error', role: 'alert',
			    id: id + '-error', 'data-testid': id + '-error',
			    hidden: true});
			var btn = h('button', {type: 'submit', class: 'btn btn-primary',
			    id: id + '-submit', 'data-testid': id + '-submit',
			    text: t(btnKey)});
			var f = h('form', {id: id, 'data-testid': id,
			    class: 'form', novalidate: true}, fields, err,
			    h('div', {class: 'actions'}, btn));
			f.addEventListener('submit', function (ev) {
				ev.preventDefault();
				btn.disabled = true;
				err.hidden = true;
				C.clearError();
				api(method, typeof path === 'function' ? path() :
				    path, body()).then(function (d) {
					btn.disabled = false;
					ok(d);
				}, function (e) {
					btn.disabled = false;
					if (e && e.status === 401)
						return;
					err.textContent = e && (e.status === 409 ||
					    e.status === 422) ? t('ecert.refused',
					    {msg: e.message}) : C.errText(e);
					err.hidden = false;
				});
			});
			return f;
		}

		/* A small inline form: an optional reason and a button. */
		function reasonForm(id, key, path, required, select, ok) {
			var input = select ? h('select', {class: 'reason-in',
			    'aria-label': t('ecert.reason')},
			    REASONS.map(function (x) {
				return h('option', {value: x,
				    text: C.enumLabel('ecert.revoke', x)});
			    })) : h('input', {type: 'text', maxlength: '200',
			    class: 'reason-in', 'data-testid': id + '-reason',
			    placeholder: t('ecert.reason'),
			    'aria-label': t('ecert.reason'),
			    required: required ? true : null});
			var btn = h('button', {type: 'submit', class: 'btn btn-small' +
			    (key === 'ecert.approve' ? ' btn-primary' :
			    ' btn-danger'), 'data-testid': id, text: t(key)});
			var f = h('form', {class: 'field-inline', novalidate: true},
			    key === 'ecert.approve' ? null : input, btn);
			f.addEventListener('submit', function (ev) {
				ev.preventDefault();
				var body = {};
				if (key !== 'ecert.approve' && input.value)
					body.reason = input.value;
				btn.disabled = true;
				C.clearError();
				api('POST', path, body).then(ok, function (e) {
					btn.disabled = false;
					if (e && e.status !== 401)
						C.showError(C.errText(e));
				});
			});
			return f;
		}

		/* Units and applications in the account's scope. */
		function registry() {
			return Promise.all([api('GET', '/api/units'),
			    api('GET', '/api/applications')]).then(function (d) {
				var units = {};
				((d[0] && d[0].items) || []).forEach(function (u) {
					units[u.uscc] = u;
				});
				return {units: units,
				    apps: (d[1] && d[1].items) || []};
			});
		}

		function unitText(reg, uscc) {
			var u = reg.units[uscc];
			return u && u.name ? String(u.name) + ' (' + uscc + ')' :
			    String(uscc || '');
		}

		function unitCell(reg, uscc) {
			var u = reg.units[uscc];
			return h('span', null, u && u.name ? String(u.name) : '',
			    h('small', {class: 'mono muted',
				text: ' ' + String(uscc || '')}));
		}

		function unitSelect(reg) {
			return h('select', null, Object.keys(reg.units).sort()
			    .map(function (k) {
				return h('option', {value: k,
				    text: unitText(reg, k)});
			    }));
		}

		/* Saves text as a file the browser downloads (name). */
		function download(id, text, name, key) {
			var url = URL.createObjectURL(new Blob([text],
			    {type: 'application/x-pem-file'}));
			return h('a', {href: url, download: name, id: id,
			    'data-testid': id, class: 'btn', text: t(key)});
		}

		/* ---- certificates ---- */

		function handover(c) {
			var box = h('section', {class: 'panel panel-attention',
			    id: 'ecert-handover', 'data-testid': 'ecert-handover',
			    role: 'status'},
			    h('h2', {class: 'panel-title',
				text: t('ecert.cert.issued', {serial: c.serial})}),
			    h('p', {text: t('ecert.cert.once')}));
			if (c.key) {
				box.appendChild(h('p', null,
				    t('ecert.cert.passphrase') + ' ',
				    h('code', {class: 'mono',
					'data-testid': 'ecert-passphrase',
					text: String(c.passphrase)})));
				box.appendChild(download('ecert-key-download',
				    c.key, c.unit + '.key.pem',
				    'ecert.cert.key'));
				box.appendChild(document.createTextNode(' '));
			}
			box.appendChild(download('ecert-cert-download', c.pem,
			    c.unit + '.pem', 'ecert.cert.pem'));
			return box;
		}

		function viewCertificates() {
			return Promise.all([registry(),
			    api('GET', '/api/ecert/certificates')])
			    .then(function (d) {
				var reg = d[0], certs = (d[1] && d[1].items) || [];
				var root = page('certificates');
				var issued = C.state.ecertIssued;
				var unit, days;

				C.state.ecertIssued = null;
				if (issued)
					root.appendChild(handover(issued));
				if (isIssuer()) {
					unit = unitSelect(reg);
					days = h('input', {type: 'number', min: '1',
					    max: '3650', value: '730'});
					root.appendChild(panel(t('ecert.cert.issue'),
					    form('ecert-cert-form', [
						field('ecert-cert-unit',
						    'ecert.unit', unit),
						field('ecert-cert-days',
						    'ecert.cert.days', days,
						    'ecert.cert.days.help')],
						'ecert.cert.issue', 'POST',
						'/api/ecert/certificates',
						function () {
							return {unit: unit.value,
							    days: Number(days.value) ||
								730};
						}, function (c) {
							C.state.ecertIssued = c;
							C.render();
						})));
				}
				root.appendChild(panel(t('ecert.cert.list'),
				    certs.length ? C.table('ecert-certs',
				    t('ecert.cert.list'), [
					{label: t('ecert.serial')},
					{label: t('ecert.unit')},
					{label: t('ecert.state')},
					{label: t('ecert.cert.until')},
					{label: t('ecert.issued')},
					{label: t('ecert.cert.keysrc')},
					{label: ''}],
				    certs.map(function (c) {
					return [mono(c.serial, 'wrap'),
					    unitCell(reg, c.unit),
					    h('span', null, state(c.state),
						c.reason ? h('small', {
						class: 'muted', text: ' ' +
						C.enumLabel('ecert.revoke',
						c.reason)}) : null),
					    when(c.not_after), when(c.issued),
					    C.enumLabel('ecert.keysrc',
						c.key_source),
					    isIssuer() && c.state === 'valid' ?
						reasonForm('ecert-cert-revoke',
						'ecert.revoke', '/api/ecert/' +
						'certificates/' + encodeURIComponent(
						c.serial) + '/revoke', false,
						true, function () {
							done(t('ecert.cert.revoked',
							    {serial: c.serial}));
						}) : null];
				    }), function (i) {
					return {'data-serial': certs[i].serial,
					    'data-unit': certs[i].unit};
				    }) : empty('ecert-certs-empty',
				    'ecert.cert.none')));
				return root;
			});
		}

		/* ---- online names ---- */

		function rivalsCell(reg, n) {
			var r = Array.isArray(n.rivals) ? n.rivals : [];
			if (!r.length)
				return h('span', {class: 'muted',
				    'data-testid': 'ecert-no-rival',
				    text: t('ecert.names.no_rival')});
			return h('ul', {class: 'plain-list',
			    'data-testid': 'ecert-rivals'}, r.map(function (x) {
				return h('li', {'data-rival': String(x.id),
				    'data-state': String(x.state)},
				    h('strong', {text: String(x.name)}), ' ',
				    state(x.state), ' ',
				    h('span', {text: unitText(reg, x.unit)}),
				    h('br'), h('small', {class: 'muted',
					text: t('ecert.names.why', {why:
					C.enumLabel('ecert.why', x.why)})}));
			}));
		}

		function applyForm(reg) {
			var unit = unitSelect(reg);
			var app = h('select');
			var name = h('input', {type: 'text', maxlength: '64',
			    required: true});

			function apps() {
				C.clear(app);
				app.appendChild(h('option', {value: '',
				    text: t('ecert.names.no_app')}));
				reg.apps.forEach(function (a) {
					if (a.unit === unit.value)
						app.appendChild(h('option',
						    {value: a.id, text: String(
						    a.name) + ' (' + a.id + ')'}));
				});
			}
			apps();
			unit.addEventListener('change', apps);
			/* choosing an application proposes its name */
			app.addEventListener('change', function () {
				reg.apps.forEach(function (a) {
					if (a.id === app.value && !name.value)
						name.value = String(a.name);
				});
			});
			return panel(t('ecert.names.apply'), form('ecert-name-form', [
			    field('ecert-name-unit', 'ecert.unit', unit),
			    field('ecert-name-app', 'ecert.names.app', app,
				'ecert.names.app.help'),
			    field('ecert-name-name', 'ecert.names.name', name,
				'ecert.names.name.help')],
			    'ecert.names.apply', 'POST', '/api/ecert/names',
			    function () {
				var b = {unit: unit.value, name: name.value};
				if (app.value)
					b.app = app.value;
				return b;
			    }, function (d) {
				done(t('ecert.names.applied', {id: d.id,
				    verdict: C.enumLabel('ecert.name1',
				    d.name1), why: d.name1_reason || ''}));
			    }));
		}

		function viewNames() {
			return Promise.all([registry(),
			    api('GET', '/api/ecert/names')]).then(function (d) {
				var reg = d[0], all = (d[1] && d[1].items) || [];
				var root = page('names');
				var pend = all.filter(function (n) {
					return n.state === 'pending';
				});
				var decided = all.filter(function (n) {
					return n.state !== 'pending';
				});

				if (canApply())
					root.appendChild(applyForm(reg));
				root.appendChild(panel(t('ecert.names.pending'),
				    pend.length ? C.table('ecert-pending',
				    t('ecert.names.pending'), [
					{label: '#'},
					{label: t('ecert.names.name')},
					{label: t('ecert.unit')},
					{label: t('ecert.names.name1')},
					{label: t('ecert.names.rivals')},
					{label: t('ecert.names.applied_at')},
					{label: ''}],
				    pend.map(function (n) {
					var path = '/api/ecert/names/' + n.id;
					var ok = function (x) {
						done(t('ecert.names.' + x.state,
						    {name: x.name}));
					};
					return [String(n.id),
					    h('strong', {text: String(n.name)}),
					    unitCell(reg, n.unit),
					    C.enumLabel('ecert.name1', n.name1),
					    rivalsCell(reg, n), when(n.applied),
					    isIssuer() ? h('div', {class:
						'decide'}, reasonForm(
						'ecert-approve', 'ecert.approve',
						path + '/approve', false, false,
						ok), reasonForm('ecert-reject',
						'ecert.reject', path + '/reject',
						true, false, ok)) : null];
				    }), function (i) {
					return {'data-id': String(pend[i].id),
					    'data-name': String(pend[i].name)};
				    }) : empty('ecert-pending-empty',
				    'ecert.names.none_pending')));
				root.appendChild(panel(t('ecert.names.decided'),
				    decided.length ? C.table('ecert-decided',
				    t('ecert.names.decided'), [
					{label: '#'},
					{label: t('ecert.names.name')},
					{label: t('ecert.unit')},
					{label: t('ecert.state')},
					{label: t('ecert.names.decided_at')},
					{label: t('ecert.reason')}],
				    decided.map(function (n) {
					return [String(n.id),
					    h('strong', {text: String(n.name)}),
					    unitCell(reg, n.unit), state(n.state),
					    when(n.decided), str(n.reason)];
				    }), function (i) {
					return {'data-id': String(decided[i].id),
					    'data-name': String(decided[i].name),
					    'data-state': decided[i].state};
				    }) : empty('ecert-decided-empty',
				    'ecert.names.none_decided')));
				return root;
			});
		}

		/* ---- online logos ---- */

		function viewLogos() {
			return Promise.all([registry(),
			    api('GET', '/api/ecert/logos')]).then(function (d) {
				var reg = d[0], logos = (d[1] && d[1].items) || [];
				var root = page('logos');
				var app;

				if (isIssuer()) {
					app = h('select', null, reg.apps.map(
					    function (a) {
						return h('option', {value: a.id,
						    text: String(a.name) + ' (' +
						    a.id + ')'});
					    }));
					root.appendChild(panel(t('ecert.logo.issue'),
					    form('ecert-logo-form', [
						field('ecert-logo-app',
						    'ecert.names.app', app,
						    'ecert.logo.app.help')],
						'ecert.logo.issue', 'POST',
						'/api/ecert/logos', function () {
							return {app: app.value};
						}, function (l) {
							done(t('ecert.logo.issued',
							    {id: l.id}));
						})));
				}
				root.appendChild(panel(t('ecert.logo.list'),
				    logos.length ? C.table('ecert-logos',
				    t('ecert.logo.list'), [
					{label: t('ecert.logo.badge')},
					{label: t('ecert.logo.id')},
					{label: t('ecert.unit')},
					{label: t('ecert.names.app')},
					{label: t('ecert.logo.domains')},
					{label: t('ecert.state')},
					{label: t('ecert.issued')},
					{label: ''}],
				    logos.map(function (l) {
					var valid = !l.revoked;
					var page = l.page ? h('a', {href: l.page,
					    target: '_blank', rel: 'noopener',
					    'data-testid': 'ecert-logo-page',
					    text: t('ecert.logo.page')}) :
					    mono(l.path);
					return [h('div', null, h('img', {src: l.svg,
					    width: '180', height: '60',
					    alt: t('ecert.logo.badge')}), h('br'),
					    page, ' · ', h('a', {href: l.svg,
						target: '_blank', rel: 'noopener',
						text: t('ecert.logo.svg')})),
					    mono(l.id), unitCell(reg, l.unit),
					    mono(l.app),
					    (Array.isArray(l.domains) ? l.domains :
						[]).join(', '),
					    state(valid ? 'valid' : 'revoked'),
					    when(l.issued),
					    isIssuer() && valid ? reasonForm(
						'ecert-logo-revoke', 'ecert.revoke',
						'/api/ecert/logos/' + l.id +
						'/revoke', true, false, function () {
							done(t('ecert.logo.revoked',
							    {id: l.id}));
						}) : null];
				    }), function (i) {
					return {'data-id': logos[i].id,
					    'data-app': logos[i].app};
				    }) : empty('ecert-logos-empty',
				    'ecert.logo.none')));
				if (!d[1].public)
					root.appendChild(h('p', {class: 'muted',
					    text: t('ecert.logo.no_public')}));
				return root;
			});
		}

		/* ---- operators ---- */

		function button(id, key, path, ok, danger) {
			var b = h('button', {type: 'button', class: 'btn btn-small' +
			    (danger ? ' btn-danger' : ''), 'data-testid': id,
			    text: t(key)});
			b.addEventListener('click', function () {
				b.disabled = true;
				C.clearError();
				api('POST', path, {}).then(ok, function (e) {
					b.disabled = false;
					if (e && e.status !== 401)
						C.showError(C.errText(e));
				});
			});
			return b;
		}

		function keyShown(d) {
			done(t('ecert.op.key', {name: d.operator}), d.key);
		}

		function viewOperators() {
			return api('GET', '/api/ecert/operators').then(function (d) {
				var ops = (d && d.items) || [];
				var root = page('operators');
				var name, rate;

				if (isIssuer()) {
					name = h('input', {type: 'text',
					    maxlength: '120', required: true});
					rate = h('input', {type: 'number', min: '1',
					    max: '100000', value: '60'});
					root.appendChild(panel(t('ecert.op.add'),
					    form('ecert-op-form', [
						field('ecert-op-name', 'ecert.op.name',
						    name),
						field('ecert-op-rate', 'ecert.op.rate',
						    rate, 'ecert.op.rate.help')],
						'ecert.op.add', 'POST',
						'/api/ecert/operators', function () {
							return {name: name.value,
							    rate: Number(rate.value) ||
								60};
						}, keyShown)));
				}
				root.appendChild(panel(t('ecert.op.list'),
				    ops.length ? C.table('ecert-ops',
				    t('ecert.op.list'), [
					{label: t('ecert.op.name')},
					{label: t('ecert.op.rate'), num: true},
					{label: t('ecert.issued')},
					{label: t('ecert.state')},
					{label: t('ecert.op.keys')},
					{label: ''}],
				    ops.map(function (o) {
					var path = '/api/ecert/operators/' +
					    encodeURIComponent(o.name);
					return [String(o.name), C.num(o.rate),
					    when(o.created),
					    state(o.disabled ? 'disabled' :
						'valid'),
					    h('ul', {class: 'plain-list'},
						(o.keys || []).map(function (k) {
						return h('li', null, mono(k.id),
						    ' ', k.revoked ?
						    state('revoked') : isIssuer() &&
						    !o.disabled ? button(
						    'ecert-key-revoke',
						    'ecert.revoke', '/api/ecert/' +
						    'keys/' + k.id + '/revoke',
						    function () {
							done(t('ecert.op.key_revoked',
							    {id: k.id}));
						    }, true) : null);
					    })),
					    isIssuer() && !o.disabled ? h('div',
						{class: 'decide'}, button(
						'ecert-op-newkey', 'ecert.op.newkey',
						path + '/keys', keyShown), ' ',
						button('ecert-op-disable',
						'ecert.op.disable', path +
						'/disable', function () {
							done(t('ecert.op.disabled',
							    {name: o.name}));
						}, true)) : null];
				    }), function (i) {
					return {'data-name': String(ops[i].name)};
				    }) : empty('ecert-ops-empty', 'ecert.op.none')));
				return root;
			});
		}

		/* ---- the transparency log ---- */

		function proofBox(p) {
			return h('div', {id: 'ecert-proof', 'data-testid':
			    'ecert-proof'},
			    h('p', null, h('span', {class: 'badge badge-' +
				(p.verified ? 'pass' : 'fail'),
				'data-verified': p.verified ? 'true' : 'false',
				'data-testid': 'ecert-proof-verdict',
				text: t(p.verified ? 'ecert.log.verified' :
				    'ecert.log.not_verified', {index: p.index,
				    size: p.size})})),
			    h('dl', {class: 'kv'},
				h('dt', {text: t('ecert.log.entry')}),
				h('dd', null, mono(p.entry && p.entry.entry,
				    'wrap')),
				h('dt', {text: t('ecert.log.leaf')}),
				h('dd', null, mono(p.leaf_hash, 'wrap')),
				h('dt', {text: t('ecert.log.path')}),
				h('dd', null, h('ol', {class: 'plain-list'},
				    (p.path || []).map(function (x) {
					return h('li', null, mono(x, 'wrap'));
				    }))),
				h('dt', {text: t('ecert.log.root')}),
				h('dd', null, mono(p.root, 'wrap'))));
		}

		function viewLog(r) {
			return Promise.all([api('GET', '/api/ecert/tlog/head'),
			    api('GET', '/api/ecert/tlog/entries')])
			    .then(function (d) {
				var head = d[0] || {}, tree = head.tree || {};
				var ents = ((d[1] && d[1].entries) || []).slice()
				    .reverse();
				var root = page('log');
				var idx = h('input', {type: 'number', min: '0',
				    value: r.params.index || ''});
				var out = h('div', {id: 'ecert-proof-out'});

				root.appendChild(panel(t('ecert.log.head'),
				    h('dl', {class: 'kv', id: 'ecert-head',
					'data-testid': 'ecert-head'},
					h('dt', {text: t('ecert.log.size')}),
					h('dd', {'data-testid': 'ecert-log-size',
					    text: String(C.num(tree.size))}),
					h('dt', {text: t('ecert.log.root')}),
					h('dd', null, mono(tree.root, 'wrap')),
					h('dt', {text: t('ecert.log.at')}),
					h('dd', null, when(tree.at)),
					h('dt', {text: t('ecert.log.signed')}),
					h('dd', {text: t(head.signed ? 'yes' :
					    'no')}))));
				root.appendChild(panel(t('ecert.log.prove'),
				    h('div', null, form('ecert-proof-form',
					[field('ecert-proof-index',
					    'ecert.log.index', idx,
					    'ecert.log.index.help')],
					'ecert.log.prove', 'GET', function () {
						return C.q('/api/ecert/tlog/proof',
						    {index: idx.value});
					}, function () {
						return undefined;
					}, function (p) {
						C.clear(out);
						out.appendChild(proofBox(p));
					}), out)));
				root.appendChild(panel(t('ecert.log.recent'),
				    ents.length ? C.table('ecert-log',
				    t('ecert.log.recent'), [
					{label: '#', num: true},
					{label: t('ecert.log.at')},
					{label: t('ecert.log.kind')},
					{label: t('ecert.log.entry')}],
				    ents.map(function (e) {
					return [C.link('ecert/log', {index:
					    e.index}, String(e.index)),
					    when(e.at), C.enumLabel('ecert.kind',
						e.kind), mono(e.entry, 'wrap')];
				    }), function (i) {
					return {'data-index': String(ents[i].index),
					    'data-kind': ents[i].kind};
				    }) : empty('ecert-log-empty', 'ecert.log.none')));
				if (r.params.index)
					api('GET', C.q('/api/ecert/tlog/proof',
					    {index: r.params.index})).then(
					    function (p) {
						out.appendChild(proofBox(p));
					    }, function (e) {
						C.showError(C.errText(e));
					    });
				return root;
			});
		}

		var VIEWS = {certificates: viewCertificates, names: viewNames,
		    logos: viewLogos, operators: viewOperators, log: viewLog};

		return {
			ecert: function (r) {
				var sub = r.parts[1] || 'certificates';
				var sc = C.state.user && C.state.user.scope;
				if (PAGES.indexOf(sub) < 0 ||
				    (sc && GLOBAL.indexOf(sub) >= 0)) {
					C.go('ecert/certificates');
					return null;
				}
				return VIEWS[sub](r);
			}
		};
	};
})();
