/*
 * gate.js: the console's pages for the access gateway (docs/gate.md, the
 * "Gate administration" API of docs/api.md): the live policy and its
 * editor, gate users, devices and their approval, lockouts, sessions and
 * their revocation, per-rule counters and recent decisions. Loaded before
 * app.js, which calls window.GovsecGate with its helpers and mounts the
 * returned routes. Server data reaches the page only as text (h() and
 * textContent), never as markup; the CSP forbids inline code and styles.
 */
(function () {
	'use strict';

	var PAGES = ['policy', 'users', 'devices', 'lockouts', 'sessions',
	    'decisions'];
	var COND_KEYS = ['hosts', 'path', 'methods', 'networks', 'countries',
	    'subjects', 'devices', 'windows', 'whitelist', 'background'];
	var ACTIONS = ['deny', 'bypass', 'one_factor', 'two_factor'];
	/* audit actions of the gate, by the kind of event they are */
	var EVENT_KIND = {
		'gate.deny': 'deny', 'gate.login.fail': 'deny',
		'gate.login.locked': 'deny', 'gate.login.device': 'deny',
		'gate.lockout': 'deny',
		'gate.allow': 'allow', 'gate.login': 'login',
		'gate.logout': 'login', 'gate.device.register': 'login'
	};

	window.GovsecGate = function (C) {
		var h = C.h, t = C.t, I = C.I, api = C.api, panel = C.panel;

		function role() {
			return C.state.user ? C.state.user.role : '';
		}

		function isAdmin() {
			return role() === 'admin';
		}

		function canAudit() {
			return role() === 'admin' || role() === 'auditor';
		}

		function none() {
			return t('none');
		}

		/* Seconds since 1970 (the store's integer times) as local text. */
		function unixTime(n) {
			if (typeof n !== 'number' || !isFinite(n) || n <= 0)
				return none();
			return C.fmtTime(new Date(n * 1000).toISOString());
		}

		function timeCell(s) {
			if (s === null || s === undefined || s === '')
				return none();
			return h('span', {class: 'nowrap', title: String(s),
			    text: C.fmtTime(String(s))});
		}

		function str(v) {
			return v === null || v === undefined || v === '' ?
			    none() : String(v);
		}

		function mono(v) {
			return h('span', {class: 'mono', text: str(v)});
		}

		/* "in 12 min", "in 40 s"; keys under prefix ('gate' for
		 * lockouts, 'gate.sess' for sessions) */
		function remaining(untilSec, prefix) {
			var s = Math.round(untilSec - Date.now() / 1000);
			var p = prefix || 'gate';
			if (s <= 0)
				return t(p + '.ended');
			if (s < 120)
				return t(p + '.in_s', {n: s});
			if (s < 7200)
				return t(p + '.in_min', {n: Math.round(s / 60)});
			return t(p + '.in_h', {n: Math.round(s / 3600)});
		}

		function actionBadge(a) {
			var known = ACTIONS.indexOf(a) >= 0;
			return h('span', {class: 'badge act act-' + (known ? a :
			    'other'), 'data-action': known ? a : 'other',
			    text: known ? t('gate.action.' + a) : str(a)});
		}

		function yesNo(v, yesKey, noKey, testid) {
			return h('span', {class: 'badge ' + (v ? 'badge-yes' :
			    'badge-no'), 'data-value': v ? 'true' : 'false',
			    'data-testid': testid || null,
			    text: t(v ? (yesKey || 'yes') : (noKey || 'no'))});
		}

		function chips(list, cls) {
			if (!list.length)
				return none();
			return h('span', {class: 'chips'}, list.map(function (x) {
				return h('span', {class: 'tag ' + (cls || ''),
				    text: String(x)});
			}));
		}

		/* Groups are stored as a comma list ("staff,ops"). */
		function groupList(g) {
			if (Array.isArray(g))
				return g.map(String);
			if (typeof g !== 'string' || !g)
				return [];
			return g.split(',').map(function (x) {
				return x.trim();
			}).filter(Boolean);
		}

		function flash(root) {
			var f = C.state.gateFlash;
			var p;

			if (!f)
				return;
			C.state.gateFlash = null;
			p = h('p', {id: 'gate-flash', 'data-testid': 'gate-flash',
			    role: 'status', class: 'banner banner-' + f.kind,
			    text: f.text});
			/* a value shown once (a new password): text only */
			if (f.code)
				p.appendChild(h('code', {class: 'mono',
				    'data-testid': 'gate-flash-code',
				    text: ' ' + f.code}));
			root.insertBefore(p, root.children[1] || null);
		}

		/* A state change, then the page afresh with a message. */
		function act(btn, method, path, okText) {
			btn.disabled = true;
			C.clearError();
			return api(method, path).then(function () {
				C.state.gateFlash = {kind: 'ok', text: okText};
				C.render();
			}, function (e) {
				btn.disabled = false;
				if (e && e.status === 401)
					return;
				C.showError(C.errText(e));
			});
		}

		function page(name, extraIntro) {
			var root = h('div', {id: 'gate-' + name + '-page',
			    class: 'gate-page', 'data-testid': 'gate-' + name,
			    'data-title': t('gate.' + name + '.title')},
			    C.pageHeader('gate.' + name + '.title',
				'gate.' + name + '.intro'));
			if (extraIntro)
				root.firstChild.appendChild(extraIntro);
			return root;
		}

		function empty(id, key) {
			return h('p', {class: 'empty', id: id, text: t(key)});
		}

		/* ---- policy ---- */

		function condValue(k, v) {
			if (k === 'whitelist' || k === 'background')
				return v === true ? t('gate.cond.' + k + '.yes') :
				    v === false ? t('no') : str(v);
			if (k === 'path')
				return h('code', {class: 'mono', text: str(v)});
			if (Array.isArray(v)) {
				if (k === 'windows' || k === 'hosts')
					return chips(v, 'tag-mono');
				return chips(v.map(function (x) {
					return String(x);
				}), k === 'networks' || k === 'countries' ?
				    'tag-mono' : '');
			}
			if (v && typeof v === 'object')
				return JSON.stringify(v);
			return str(v);
		}

		function conditions(rule) {
			var dl = h('dl', {class: 'conds'});
			var n = 0;

			COND_KEYS.forEach(function (k) {
				if (!Object.prototype.hasOwnProperty.call(rule, k))
					return;
				n++;
				dl.appendChild(h('div', {class: 'cond',
				    'data-cond': k},
				    h('dt', {text: t('gate.cond.' + k)}),
				    h('dd', null, condValue(k, rule[k]))));
			});
			if (!n)
				return h('span', {class: 'muted',
				    text: t('gate.cond.any')});
			return dl;
		}

		function rulesTable(rules, stats) {
			var byName = {};
			stats.forEach(function (s) {
				if (s && typeof s.rule === 'string')
					byName[s.rule] = s;
			});
			var rows = rules.map(function (r, i) {
				var s = byName[r.name] || byName[String(i)] ||
				    byName[String(i + 1)];
				return [String(i + 1),
				    h('span', null, h('span', {class: 'mono strong',
					text: str(r.name)}), r.comment ?
					h('span', {class: 'sub', text:
					    String(r.comment)}) : null),
				    conditions(r),
				    actionBadge(r.action),
				    s ? h('span', {class: 'nowrap'},
					t('gate.allows_n', {n: C.num(s.allows)}),
					h('br'),
					t('gate.denies_n', {n: C.num(s.denies)})) :
				    h('span', {class: 'muted',
					title: t('gate.stats.rule_none'),
					text: t('none')})];
			});
			rows.push([h('span', {class: 'muted', text: '—'}),
			    h('span', {class: 'mono strong', text: t(
				'gate.default_rule')}),
			    h('span', {class: 'muted',
				text: t('gate.default_cond')}),
			    actionBadge('deny'),
			    byName['default'] ? h('span', {class: 'nowrap',
				text: t('gate.denies_n', {n: C.num(
				byName['default'].denies)})}) : ''
			]);
			return C.table('gate-rules', t('gate.rules'), [
			    {label: t('gate.col.order'), num: true},
			    {label: t('gate.col.rule')},
			    {label: t('gate.col.conditions'), cls: 'cell-conds'},
			    {label: t('gate.col.action')},
			    {label: t('gate.col.decisions')}], rows,
			    function (i) {
				var r = rules[i];
				return r ? {'data-rule': str(r.name),
				    'data-action': str(r.action)} :
				    {'data-rule': 'default', class: 'row-default',
				    'data-action': 'deny'};
			    });
		}

		function networksTable(nets) {
			var names = Object.keys(nets).sort();
			if (!names.length)
				return empty('gate-networks-empty', 'gate.networks.none');
			return C.table('gate-networks', t('gate.networks'), [
			    {label: t('col.name'), rowHeader: true},
			    {label: t('gate.col.prefixes')},
			    {label: t('gate.col.excluded')}],
			    names.map(function (n) {
				var list = Array.isArray(nets[n]) ? nets[n] : [];
				var inc = [], exc = [];
				list.forEach(function (p) {
					p = String(p);
					if (p.charAt(0) === '!')
						exc.push(p.slice(1));
					else
						inc.push(p);
				});
				return [h('span', {class: 'mono', text: n}),
				    chips(inc, 'tag-mono'),
				    exc.length ? chips(exc, 'tag-mono tag-excl') :
				    none()];
			    }), function (i) {
				return {'data-network': names[i]};
			    });
		}

		/* active, expired (until has passed: it is exclusive) or
		 * pending (from lies ahead) */
		function entryState(w, now) {
			var from = Date.parse(w.from);
			var until = Date.parse(w.until);
			if (!isNaN(until) && now >= until)
				return 'expired';
			if (!isNaN(from) && now < from)
				return 'pending';
			return 'active';
		}

		function whitelistTable(list) {
			var now = Date.now();
			if (!list.length)
				return empty('gate-whitelist-empty',
				    'gate.whitelist.none');
			var states = list.map(function (w) {
				return entryState(w || {}, now);
			});
			return C.table('gate-whitelist', t('gate.whitelist'), [
			    {label: t('col.name'), rowHeader: true},
			    {label: t('gate.col.user')},
			    {label: t('gate.col.device')},
			    {label: t('gate.col.from')},
			    {label: t('gate.col.until')},
			    {label: t('gate.col.window')},
			    {label: t('col.status')}],
			    list.map(function (w, i) {
				w = w || {};
				return [h('span', null,
				    h('span', {class: 'mono', text: str(w.name)}),
				    w.comment ? h('span', {class: 'sub',
					text: String(w.comment)}) : null),
				    str(w.user), mono(w.device),
				    timeCell(w.from), timeCell(w.until),
				    w.window ? mono(w.window) :
				    t('gate.window.always'),
				    h('span', {class: 'badge wl wl-' + states[i],
					'data-state': states[i],
					text: t('gate.wl.' + states[i])})];
			    }), function (i) {
				return {'data-entry': str(list[i] && list[i].name),
				    'data-state': states[i],
				    class: states[i] === 'expired' ?
				    'row-expired' : null};
			    });
		}

		function policyEditor(doc) {
			var text = JSON.stringify(doc, null, 2);
			var err = h('p', {id: 'policy-error',
			    'data-testid': 'policy-error', role: 'alert',
			    class: 'banner banner-error', hidden: true});
			var ta = h('textarea', {id: 'policy-json',
			    name: 'policy', rows: '20', spellcheck: 'false',
			    autocapitalize: 'none', autocomplete: 'off',
			    class: 'code-input',
			    'aria-describedby': 'policy-json-help',
			    readonly: isAdmin() ? null : true});
			var save = h('button', {type: 'submit', id: 'policy-save',
			    'data-testid': 'policy-save',
			    class: 'btn btn-primary', text: t('gate.edit.save')});
			var fmt = h('button', {type: 'button', id: 'policy-format',
			    class: 'btn', text: t('gate.edit.format')});
			var reset = h('button', {type: 'button', id: 'policy-reset',
			    class: 'btn', text: t('gate.edit.reset')});
			var form = h('form', {id: 'policy-form', class: 'form',
			    'data-testid': 'policy-form', novalidate: true},
			    h('div', {class: 'field'},
				h('label', {for: 'policy-json',
				    text: t('gate.edit.label')}),
				h('p', {id: 'policy-json-help', class: 'help',
				    text: t(isAdmin() ? 'gate.edit.help' :
					'gate.edit.readonly')}),
				ta),
			    err,
			    isAdmin() ? h('div', {class: 'actions'}, save, fmt,
				reset) : null);
			var box = h('details', {id: 'policy-editor',
			    class: 'editor', open: C.state.gateEditorOpen ?
			    true : null},
			    h('summary', {id: 'policy-editor-toggle',
				text: t(isAdmin() ? 'gate.edit.title' :
				    'gate.edit.view')}),
			    form);

			ta.value = text;
			box.addEventListener('toggle', function () {
				C.state.gateEditorOpen = box.open;
			});
			function fail(msg) {
				err.textContent = msg;
				err.hidden = false;
				ta.setAttribute('aria-invalid', 'true');
			}
			fmt.addEventListener('click', function () {
				try {
					ta.value = JSON.stringify(JSON.parse(ta.value),
					    null, 2);
					err.hidden = true;
					ta.removeAttribute('aria-invalid');
				} catch (e) {
					fail(t('gate.edit.not_json', {msg:
					    e.message}));
				}
			});
			reset.addEventListener('click', function () {
				ta.value = text;
				err.hidden = true;
				ta.removeAttribute('aria-invalid');
			});
			form.addEventListener('submit', function (ev) {
				ev.preventDefault();
				if (!isAdmin())
					return;
				save.disabled = true;
				err.hidden = true;
				/* sent as typed: the server parses and judges it
				 * (duplicate keys, unknown keys, limits) */
				api('PUT', '/api/gate/policy', ta.value, true)
				    .then(function () {
					C.state.gateFlash = {kind: 'ok',
					    text: t('gate.edit.saved')};
					C.state.gateEditorOpen = false;
					C.render();
				}, function (e) {
					save.disabled = false;
					if (e && e.status === 401)
						return;
					fail(e && e.status === 422 ?
					    t('gate.edit.refused', {msg:
						e.message}) : C.errText(e));
					ta.focus();
				});
			});
			return box;
		}

		function viewPolicy() {
			return Promise.all([
				api('GET', '/api/gate/policy'),
				api('GET', '/api/gate/stats').catch(function () {
					return {rules: []};
				})
			]).then(function (res) {
				var doc = res[0] && typeof res[0] === 'object' ?
				    res[0] : {};
				var stats = (res[1] && res[1].rules) || [];
				var rules = Array.isArray(doc.rules) ? doc.rules : [];
				var nets = doc.networks && typeof doc.networks ===
				    'object' ? doc.networks : {};
				var wl = Array.isArray(doc.whitelist) ?
				    doc.whitelist : [];
				var root = page('policy');

				flash(root);
				if (doc.comment)
					root.appendChild(h('p', {class: 'muted',
					    text: String(doc.comment)}));
				root.appendChild(panel(t('gate.rules'), rules.length ?
				    h('div', null, h('p', {class: 'muted',
					text: t('gate.rules.order')}),
					rulesTable(rules, stats)) :
				    empty('gate-rules-empty', 'gate.rules.none'),
				    {class: 'panel', id: 'gate-rules-panel'}));
				root.appendChild(panel(t('gate.networks'),
				    networksTable(nets)));
				root.appendChild(panel(t('gate.whitelist'), h('div',
				    null, h('p', {class: 'muted',
					text: t('gate.whitelist.intro')}),
				    whitelistTable(wl))));
				root.appendChild(panel(t('gate.edit.panel'),
				    policyEditor(doc)));
				return root;
			});
		}

		/* ---- users ---- */

		/* A small button; on click, after confirmation when confirmText
		 * is given, fn(button). */
		function button(testid, text, label, cls, confirmText, fn) {
			var b = h('button', {type: 'button', class: 'btn btn-small' +
			    (cls ? ' ' + cls : ''), 'data-testid': testid,
			    'aria-label': label, text: text});
			b.addEventListener('click', function () {
				if (confirmText && !window.confirm(confirmText))
					return;
				fn(b);
			});
			return b;
		}

		/* Bind or unbind, disable or enable, a new password, delete:
		 * what an administrator does to a gate user (docs/api.md). */
		function userActions(u) {
			var name = str(u.name);
			var path = '/api/gate/users/' + encodeURIComponent(name);
			var off = u.disabled === true;
			var bound = u.bound === true;
			var out = [];

			out.push(button(bound ? 'unbind' : 'bind',
			    t(bound ? 'gate.unbind' : 'gate.bind'),
			    t(bound ? 'gate.unbind.label' : 'gate.bind.label',
				{user: name}), '',
			    bound ? null : t('gate.bind.confirm', {user: name}),
			    function (b) {
				act(b, 'POST', path + (bound ? '/unbind' : '/bind'),
				    t(bound ? 'gate.unbound' : 'gate.bound_now',
				    {user: name}));
			}));
			out.push(button(off ? 'enable' : 'disable',
			    t(off ? 'gate.enable' : 'gate.disable'),
			    t(off ? 'gate.enable.label' : 'gate.disable.label',
				{user: name}), off ? '' : 'btn-danger',
			    off ? null : t('gate.disable.confirm', {user: name}),
			    function (b) {
				act(b, 'POST', path + (off ? '/enable' : '/disable'),
				    t(off ? 'gate.enabled' : 'gate.disabled',
				    {user: name}));
			}));
			out.push(button('password', t('gate.password'),
			    t('gate.password.label', {user: name}), '',
			    t('gate.password.confirm', {user: name}),
			    function (b) {
				b.disabled = true;
				C.clearError();
				api('POST', path + '/password', {}).then(function (d) {
					C.state.gateFlash = {kind: 'ok', text:
					    t('gate.password.made', {user: name}),
					    code: d && d.password ?
						String(d.password) : ''};
					C.render();
				}, function (e) {
					b.disabled = false;
					if (!e || e.status !== 401)
						C.showError(C.errText(e));
				});
			}));
			out.push(button('delete', t('gate.delete'),
			    t('gate.delete.label', {user: name}), 'btn-danger',
			    t('gate.delete.confirm', {user: name}),
			    function (b) {
				act(b, 'DELETE', path, t('gate.deleted',
				    {user: name}));
			}));
			return out;
		}

		/* Security keys (WebAuthn), with removal of a lost one. */
		function keyTable(keys) {
			var cols = [{label: t('gate.col.user'), rowHeader: true},
			    {label: t('gate.col.key_label')},
			    {label: t('gate.col.registered')},
			    {label: t('gate.col.last_used')}];
			if (isAdmin())
				cols.push({label: t('gate.col.manage')});
			return C.table('gate-keys', t('gate.keys.title'), cols,
			    keys.map(function (k) {
				var row = [h('span', {class: 'mono',
				    text: str(k.user)}), str(k.label),
				    timeCell(k.created), timeCell(k.last_used)];
				if (isAdmin()) {
					var b = h('button', {type: 'button',
					    class: 'btn btn-small btn-danger',
					    'data-testid': 'key-remove',
					    'aria-label': t('gate.key_rm.label',
						{user: str(k.user)}),
					    text: t('gate.key_rm')});
					b.addEventListener('click', function () {
						if (!window.confirm(t(
						    'gate.key_rm.confirm',
						    {user: str(k.user)})))
							return;
						act(b, 'DELETE', '/api/gate/keys/' +
						    encodeURIComponent(str(k.id)),
						    t('gate.key_removed',
						    {user: str(k.user)}));
					});
					row.push(b);
				}
				return row;
			    }), function (i) {
				return {'data-user': str(keys[i].user),
				    'data-id': str(keys[i].id)};
			    });
		}

		function viewUsers() {
			return Promise.all([
				api('GET', '/api/gate/users'),
				api('GET', '/api/gate/devices').catch(function () {
					return {devices: []};
				}),
				api('GET', '/api/gate/sessions').catch(function () {
					return {sessions: []};
				}),
				api('GET', '/api/gate/keys').catch(function () {
					return {keys: []};
				})
			]).then(function (res) {
				var users = (res[0] && res[0].users) || [];
				var keys = (res[3] && res[3].keys) || [];
				var devs = (res[1] && res[1].devices) || [];
				var sess = (res[2] && res[2].sessions) || [];
				var root = page('users');
				var count = {};

				flash(root);
				function c(u) {
					return count[u] || (count[u] = {ok: 0, wait: 0,
					    s: 0});
				}
				devs.forEach(function (d) {
					if (d && d.user)
						c(d.user)[d.approved ? 'ok' : 'wait']++;
				});
				sess.forEach(function (s) {
					if (s && s.user)
						c(s.user).s++;
				});
				if (!users.length) {
					root.appendChild(panel(null, empty(
					    'gate-users-empty', 'gate.users.none')));
					return root;
				}
				var ucols = [
				    {label: t('gate.col.user'), rowHeader: true},
				    {label: t('gate.col.display')},
				    {label: t('gate.col.groups')},
				    {label: t('gate.col.totp')},
				    {label: t('gate.col.bound')},
				    {label: t('gate.col.devices')},
				    {label: t('gate.col.sessions'), num: true}];
				if (isAdmin())
					ucols.push({label: t('gate.col.manage')});
				root.appendChild(panel(null, C.table('gate-users',
				    t('gate.users.title'), ucols,
				    users.map(function (u) {
					var k = c(u.name);
					var dv = h('span', null,
					    t('gate.devices_ok', {n: k.ok}));
					var f2 = h('span', null, yesNo(u.totp === true,
					    'gate.totp.yes', 'gate.totp.no'));
					var row;
					if (C.num(u.webauthn) > 0)
						f2.appendChild(h('span', {class: 'sub',
						    text: t('gate.keys_n',
						    {n: C.num(u.webauthn)})}));
					if (C.num(u.invited_until) > 0)
						f2.appendChild(h('span', {class: 'sub',
						    'data-testid': 'invited',
						    text: t('gate.invited_until', {at:
						    unixTime(C.num(u.invited_until))})}));
					if (k.wait)
						dv.appendChild(h('a', {class:
						    'sub pending-link', href:
						    '#/gate/devices', text: t(
						    'gate.devices_wait',
						    {n: k.wait})}));
					var who = h('span', null, h('span', {class:
					    'mono', text: str(u.name)}));
					if (u.disabled === true)
						who.appendChild(h('span', {class:
						    'sub', 'data-testid': 'disabled',
						    text: t('gate.user.disabled')}));
					row = [who,
					    str(u.display),
					    chips(groupList(u.groups)), f2,
					    yesNo(u.bound === true,
						'gate.bound.yes', 'gate.bound.no'),
					    dv, String(k.s)];
					if (isAdmin()) {
						var b = none();
						if (u.totp !== true) {
							b = h('button', {type: 'button',
							    class: 'btn btn-small',
							    'data-testid': 'invite',
							    'aria-label': t(
								'gate.invite.label',
								{user: str(u.name)}),
							    text: t('gate.invite')});
							b.addEventListener('click',
							    function () {
								C.clearError();
								b.disabled = true;
								api('POST',
								    '/api/gate/users/' +
								    encodeURIComponent(
								    str(u.name)) +
								    '/invite', {hours: 72})
								    .then(function () {
									C.state.gateFlash = {
									    kind: 'ok', text:
									    t('gate.invited',
									    {user: str(u.name)})};
									C.render();
								    }, function (e) {
									b.disabled = false;
									if (!e || e.status !==
									    401)
										C.showError(
										    C.errText(e));
								    });
							    });
						}
						row.push(h('span', {class: 'actions'},
						    (typeof b === 'string' ? [] : [b])
						    .concat(userActions(u))));
					}
					return row;
				    }), function (i) {
					return {'data-user': str(users[i].name),
					    'data-totp': users[i].totp ? 'true' :
						'false',
					    'data-bound': users[i].bound ? 'true' :
						'false',
					    'data-disabled': users[i].disabled ?
						'true' : 'false'};
				    })));
				if (keys.length)
					root.appendChild(panel(t('gate.keys.title'),
					    keyTable(keys)));
				root.appendChild(h('p', {class: 'muted help',
				    text: t('gate.users.cli')}));
				return root;
			});
		}

		/* ---- devices ---- */

		/* How a device was registered: the login's factors and the
		 * client address. */
		function registeredWith(d) {
			var c = h('span', null, t(C.num(d.factors) > 1 ?
			    'gate.dev.factors.2' : 'gate.dev.factors.1'));
			if (d.address)
				c.appendChild(h('span', {class: 'sub mono',
				    text: String(d.address)}));
			return c;
		}

		function devicesTable(id, list, pending) {
			var cols = [{label: t('gate.col.device_id'),
			    rowHeader: true},
			    {label: t('gate.col.user')},
			    {label: t('gate.col.label'), cls: 'cell-label'},
			    {label: t('gate.col.registered')},
			    {label: t('gate.col.registered_with')}];
			if (!pending)
				cols.push({label: t('gate.col.approved_by')},
				    {label: t('gate.col.approved_at')});
			if (isAdmin())
				cols.push({label: t('gate.col.manage')});
			return C.table(id, t(pending ? 'gate.devices.pending' :
			    'gate.devices.approved'), cols, list.map(function (d) {
				var path = '/api/gate/devices/' +
				    encodeURIComponent(str(d.id));
				var who = {id: str(d.id), user: str(d.user)};
				var row = [mono(d.id), str(d.user),
				    h('span', {class: 'clip', title: str(d.label),
					text: str(d.label)}),
				    timeCell(d.created), registeredWith(d)];
				var acts = [];
				if (!pending)
					row.push(str(d.approved_by),
					    timeCell(d.approved_at));
				if (!isAdmin())
					return row;
				if (pending) {
					var b = h('button', {type: 'button',
					    class: 'btn btn-primary btn-small',
					    'data-testid': 'approve',
					    'data-device': str(d.id),
					    'aria-label': t('gate.approve.label', who),
					    text: t('gate.approve')});
					b.addEventListener('click', function () {
						act(b, 'POST', path + '/approve',
						    t('gate.approved', who));
					});
					acts.push(b);
				} else {
					acts.push(button('unapprove',
					    t('gate.unapprove'),
					    t('gate.unapprove.label', who), '',
					    t('gate.unapprove.confirm', who),
					    function (x) {
						act(x, 'POST', path + '/unapprove',
						    t('gate.unapproved', who));
					}));
				}
				acts.push(button('device-delete',
				    t('gate.device_rm'),
				    t('gate.device_rm.label', who), 'btn-danger',
				    t('gate.device_rm.confirm', who),
				    function (x) {
					act(x, 'DELETE', path,
					    t('gate.device_removed', who));
				}));
				row.push(h('span', {class: 'actions'}, acts));
				return row;
			}), function (i) {
				return {'data-device': str(list[i].id),
				    'data-user': str(list[i].user)};
			});
		}

		function viewDevices() {
			return api('GET', '/api/gate/devices').then(function (d) {
				var devs = (d && d.devices) || [];
				var pend = devs.filter(function (x) {
					return x && x.approved !== true;
				});
				var ok = devs.filter(function (x) {
					return x && x.approved === true;
				});
				var root = page('devices');

				flash(root);
				root.appendChild(panel(t('gate.devices.pending_n',
				    {n: pend.length}), pend.length ?
				    devicesTable('gate-pending', pend, true) :
				    empty('gate-pending-empty',
					'gate.devices.pending.none'),
				    {class: 'panel' + (pend.length ?
					' panel-attention' : ''),
				    id: 'gate-pending-panel'}));
				root.appendChild(panel(t('gate.devices.approved_n',
				    {n: ok.length}), ok.length ?
				    devicesTable('gate-approved', ok, false) :
				    empty('gate-approved-empty',
					'gate.devices.approved.none'),
				    {class: 'panel', id: 'gate-approved-panel'}));
				return root;
			});
		}

		/* ---- lockouts ---- */

		function viewLockouts() {
			return api('GET', '/api/gate/lockouts').then(function (d) {
				var list = (d && d.lockouts) || [];
				var root = page('lockouts');

				flash(root);
				if (!list.length) {
					root.appendChild(panel(null, empty(
					    'gate-lockouts-empty',
					    'gate.lockouts.none')));
					return root;
				}
				var cols = [{label: t('gate.col.kind')},
				    {label: t('gate.col.subject'), rowHeader: false},
				    {label: t('gate.col.failures'), num: true},
				    {label: t('gate.col.first')},
				    {label: t('gate.col.locked_until')}];
				if (isAdmin())
					cols.push({label: t('gate.col.manage')});
				root.appendChild(panel(null, C.table('gate-lockouts',
				    t('gate.lockouts.title'), cols,
				    list.map(function (x) {
					var key = str(x.key);
					var m = /^(user|addr):(.*)$/.exec(key);
					var kind = m ? m[1] : '';
					var name = m ? m[2] : key;
					var row = [h('span', {class: 'badge kind-' +
					    (kind || 'other'), text: kind ?
					    t('gate.lock.' + kind) : none()}),
					    h('span', {class: 'mono', text: name}),
					    String(C.num(x.failures)),
					    unixTime(x.first),
					    h('span', null, unixTime(x.locked_until),
						h('span', {class: 'sub', text:
						    remaining(C.num(
						    x.locked_until))}))];
					if (isAdmin()) {
						var b = h('button', {type: 'button',
						    class: 'btn btn-small',
						    'data-testid': 'unlock',
						    'data-key': key,
						    'aria-label': t('gate.unlock.label',
							{name: name}),
						    text: t('gate.unlock')});
						b.addEventListener('click', function () {
							act(b, 'DELETE',
							    '/api/gate/lockouts/' +
							    encodeURIComponent(name)
							    .replace(/%3A/gi, ':'),
							    t('gate.unlocked',
							    {name: name}));
						});
						row.push(b);
					}
					return row;
				    }), function (i) {
					return {'data-key': str(list[i].key)};
				    })));
				return root;
			});
		}

		/* ---- sessions ---- */

		function viewSessions() {
			return api('GET', '/api/gate/sessions').then(function (d) {
				var list = (d && d.sessions) || [];
				var root = page('sessions');
				var byUser = {};
				var names;

				flash(root);
				list.forEach(function (s) {
					var u;
					if (!s || typeof s.user !== 'string')
						return;
					u = byUser[s.user] || (byUser[s.user] =
					    {n: 0, two: 0, last: 0, devs: {}});
					u.n++;
					if (C.num(s.factors) >= 2)
						u.two++;
					if (C.num(s.created) > u.last)
						u.last = C.num(s.created);
					if (s.device)
						u.devs[s.device] = true;
				});
				names = Object.keys(byUser).sort();
				if (!names.length) {
					root.appendChild(panel(null, empty(
					    'gate-sessions-empty',
					    'gate.sessions.none')));
					return root;
				}
				var cols = [{label: t('gate.col.user'),
				    rowHeader: true},
				    {label: t('gate.col.sessions'), num: true},
				    {label: t('gate.col.two_factor'), num: true},
				    {label: t('gate.col.devices'), num: true},
				    {label: t('gate.col.latest')}];
				if (isAdmin())
					cols.push({label: t('gate.col.manage')});
				root.appendChild(panel(t('gate.sessions.by_user'),
				    C.table('gate-session-users',
				    t('gate.sessions.by_user'), cols,
				    names.map(function (n) {
					var u = byUser[n];
					var row = [h('span', {class: 'mono',
					    text: n}), String(u.n), String(u.two),
					    String(Object.keys(u.devs).length),
					    unixTime(u.last)];
					if (isAdmin()) {
						var b = h('button', {type: 'button',
						    class: 'btn btn-small btn-danger',
						    'data-testid': 'revoke',
						    'data-user': n,
						    'aria-label': t('gate.revoke.label',
							{user: n}),
						    text: t('gate.revoke')});
						b.addEventListener('click', function () {
							if (!window.confirm(t(
							    'gate.revoke.confirm',
							    {user: n, n: u.n})))
								return;
							act(b, 'POST', '/api/gate/users/' +
							    encodeURIComponent(n) +
							    '/revoke', t('gate.revoked',
							    {user: n}));
						});
						row.push(b);
					}
					return row;
				    }), function (i) {
					return {'data-user': names[i]};
				    })));
				var allCols = [
				    {label: t('gate.col.user'), rowHeader: true},
				    {label: t('gate.col.device')},
				    {label: t('gate.col.factors')},
				    {label: t('gate.col.login')},
				    {label: t('gate.col.seen')},
				    {label: t('gate.col.state')}];
				if (isAdmin())
					allCols.push({label: t('gate.col.manage')});
				root.appendChild(panel(t('gate.sessions.all_n',
				    {n: list.length}), h('div', null,
				    C.table('gate-sessions', t('gate.sessions.all'),
				    allCols, list.map(function (s) {
					var f = C.num(s.factors);
					var st = str(s.state);
					var row = [h('span', {class: 'mono',
					    text: str(s.user)}), mono(s.device),
					    h('span', {class: 'badge ' + (f >= 2 ?
						'badge-yes' : 'badge-no'),
						text: t(f >= 2 ? 'gate.factors.2' :
						    'gate.factors.1')}),
					    unixTime(s.created),
					    unixTime(s.seen),
					    h('span', {class: 'badge ' +
						(st === 'active' ? 'badge-yes' :
						'badge-no'), 'data-state': st,
						title: st === 'active' ?
						t('gate.sess.idle_left', {left:
						remaining(C.num(s.idle_expires),
						'gate.sess')})
						: '',
						text: st === 'active' ?
						t('gate.sess.active', {left:
						remaining(Math.min(
						C.num(s.idle_expires),
						C.num(s.expires)), 'gate.sess')}) :
						t('gate.sess.' + (st === 'idle' ?
						'idle' : 'expired'))})];
					if (isAdmin()) {
						var b = h('button', {type: 'button',
						    class: 'btn btn-small btn-danger',
						    'data-testid': 'end-session',
						    'aria-label': t(
							'gate.end.label',
							{user: str(s.user)}),
						    text: t('gate.end')});
						b.addEventListener('click', function () {
							if (!window.confirm(t(
							    'gate.end.confirm',
							    {user: str(s.user)})))
								return;
							act(b, 'DELETE',
							    '/api/gate/sessions/' +
							    encodeURIComponent(
							    str(s.id)),
							    t('gate.ended.one',
							    {user: str(s.user)}));
						});
						row.push(b);
					}
					return row;
				    }), function (i) {
					return {'data-user': str(list[i].user),
					    'data-id': str(list[i].id)};
				    }), h('p', {class: 'muted help',
					text: t('gate.sessions.note')}))));
				return root;
			});
		}

		/* ---- decisions ---- */

		function eventLabel(a) {
			var key = 'gate.ev.' + a;
			return I.has(key) ? t(key) : String(a);
		}

		/* Policy changes carry the SM3 digest of the document. */
		function detail(d) {
			var s = str(d);
			if (/^[0-9a-f]{48,}$/.test(s))
				return h('span', {class: 'mono', title: s,
				    text: t('gate.digest', {d: s.slice(0, 16) +
					'…'})});
			return h('span', {class: 'wrap', text: s});
		}

		function statsTable(stats, rules) {
			var pos = {};
			var act = {};
			rules.forEach(function (r, i) {
				if (r && typeof r.name === 'string') {
					pos[r.name] = i + 1;
					act[r.name] = r.action;
				}
			});
			stats = stats.slice().sort(function (a, b) {
				var pa = pos[a.rule] || 1e9, pb = pos[b.rule] || 1e9;
				return pa - pb || String(a.rule).localeCompare(
				    String(b.rule));
			});
			return C.table('gate-stats', t('gate.stats'), [
			    {label: t('gate.col.rule'), rowHeader: true},
			    {label: t('gate.col.order'), num: true},
			    {label: t('gate.col.action')},
			    {label: t('gate.col.allows'), num: true},
			    {label: t('gate.col.denies'), num: true},
			    {label: t('col.distribution'), cls: 'cell-bar'},
			    {label: t('gate.col.updated')}],
			    stats.map(function (s) {
				var a = C.num(s.allows), d = C.num(s.denies);
				var wa = a + d ? Math.round(a * 100 / (a + d)) : 0;
				var bar = h('div', {class: 'bar', role: 'img',
				    'aria-label': t('gate.allows_n', {n: a}) +
				    ', ' + t('gate.denies_n', {n: d})});
				if (a)
					bar.appendChild(h('span', {class:
					    'seg seg-pass w-' + wa}));
				if (d)
					bar.appendChild(h('span', {class:
					    'seg seg-fail w-' + (100 - wa)}));
				return [h('span', {class: 'mono',
				    text: str(s.rule)}),
				    pos[s.rule] ? String(pos[s.rule]) :
				    h('span', {class: 'muted', text: s.rule ===
					'default' ? t('gate.default_rule') :
					t('gate.rule.gone')}),
				    act[s.rule] ? actionBadge(act[s.rule]) :
				    s.rule === 'default' ? actionBadge('deny') :
				    none(),
				    String(a), String(d), bar,
				    timeCell(s.updated)];
			    }), function (i) {
				return {'data-rule': str(stats[i].rule)};
			    });
		}

		function decisionsPanel(list) {
			var sel = h('select', {id: 'decisions-filter',
			    name: 'kind'},
			    ['all', 'deny', 'allow', 'login', 'admin'].map(
				function (k) {
				return h('option', {value: k,
				    text: t('gate.filter.' + k)});
			    }));
			var count = h('p', {id: 'decisions-count', role: 'status',
			    class: 'muted'});
			var box = h('div');

			function kindOf(a) {
				return EVENT_KIND[a] || 'admin';
			}
			function paint() {
				var k = sel.value;
				var rows = list.filter(function (x) {
					return k === 'all' || kindOf(x.action) === k;
				});
				C.clear(box);
				count.textContent = t('gate.decisions.count',
				    {n: rows.length, all: list.length});
				if (!rows.length) {
					box.appendChild(empty('gate-decisions-empty',
					    'gate.decisions.none'));
					return;
				}
				box.appendChild(C.table('gate-decisions',
				    t('gate.decisions.recent'), [
				    {label: t('col.seq'), num: true},
				    {label: t('col.time')},
				    {label: t('gate.col.event')},
				    {label: t('gate.col.request'), cls: 'cell-obj'},
				    {label: t('gate.col.reason')}],
				    rows.map(function (x) {
					var kind = kindOf(x.action);
					return [String(C.num(x.seq)),
					    timeCell(x.at),
					    h('span', null, h('span', {class:
						'badge ev ev-' + kind,
						text: eventLabel(x.action)}),
						h('span', {class: 'sub mono',
						    text: str(x.action)})),
					    h('span', {class: 'mono wrap',
						text: str(x.object)}),
					    detail(x.detail)];
				    }), function (i) {
					return {'data-seq': String(rows[i].seq),
					    'data-action': str(rows[i].action),
					    'data-kind': kindOf(rows[i].action)};
				    }));
			}
			sel.addEventListener('change', paint);
			paint();
			return h('div', null,
			    h('div', {class: 'filters filters-plain'},
				h('div', {class: 'field field-inline'},
				    h('label', {for: 'decisions-filter',
					text: t('gate.filter.label')}), sel),
				count),
			    box);
		}

		function viewDecisions() {
			return Promise.all([
				api('GET', '/api/gate/stats'),
				api('GET', '/api/gate/policy').catch(function () {
					return {};
				}),
				canAudit() ? api('GET', '/api/gate/decisions') :
				    null
			]).then(function (res) {
				var stats = (res[0] && res[0].rules) || [];
				var rules = res[1] && Array.isArray(res[1].rules) ?
				    res[1].rules : [];
				var root = page('decisions');

				root.appendChild(panel(t('gate.stats'), stats.length ?
				    statsTable(stats, rules) :
				    empty('gate-stats-empty', 'gate.stats.none'),
				    {class: 'panel', id: 'gate-stats-panel'}));
				root.appendChild(panel(t('gate.decisions.recent'),
				    res[2] ? decisionsPanel((res[2] &&
					res[2].decisions) || []) :
				    h('p', {class: 'banner banner-info',
					id: 'gate-decisions-role',
					text: t('gate.decisions.role')}),
				    {class: 'panel', id: 'gate-decisions-panel'}));
				return root;
			});
		}

		var VIEWS = {
			policy: viewPolicy,
			users: viewUsers,
			devices: viewDevices,
			lockouts: viewLockouts,
			sessions: viewSessions,
			decisions: viewDecisions
		};

		return {
			gate: function (r) {
				var sub = r.parts[1] || 'policy';
				if (PAGES.indexOf(sub) < 0) {
					C.go('gate/policy');
					return null;
				}
				return VIEWS[sub](r);
			}
		};
	};
})();
