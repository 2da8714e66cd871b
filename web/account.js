/*
 * account.js: what a console account does besides signing in with its
 * password: the second step of a login (a one-time or recovery code, or a
 * security key through WebAuthn), the password form (also when the
 * password expired at the login) and the "Account security" page with the
 * account's security keys (docs/api.md "Sessions and roles"). Loaded
 * before app.js, which calls window.GovsecAccount with its helpers, mounts
 * the returned route and calls acct.codeStep and acct.passwordForm from
 * its login view. Server messages are shown only as text; passwords and
 * codes are never kept past the request that sends them.
 */
(function () {
	'use strict';

	window.GovsecAccount = function (C) {
		var h = C.h, t = C.t, api = C.api, panel = C.panel,
		    clear = C.clear, go = C.go, state = C.state,
		    ApiError = C.ApiError;

		function loginNext(box, d, typed) {
			C.loginNext(box, d, typed);
		}

		/* base64url of bytes and back (WebAuthn's encoding). */
		function b64u(buf) {
			var bytes = new Uint8Array(buf);
			var s = '';
			var i;

			for (i = 0; i < bytes.length; i++)
				s += String.fromCharCode(bytes[i]);
			return btoa(s).replace(/\+/g, '-').replace(/\//g, '_')
			    .replace(/=+$/, '');
		}

		function unb64u(s) {
			var bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
			var out = new Uint8Array(bin.length);
			var i;

			for (i = 0; i < bin.length; i++)
				out[i] = bin.charCodeAt(i);
			return out.buffer;
		}

		/* A login's second factor with a security key: the assertion. */
		function keyLogin() {
			return api('POST', '/api/login/key/begin', {}).then(function (d) {
				var pk = d.publicKey;

				pk.challenge = unb64u(pk.challenge);
				pk.allowCredentials.forEach(function (c) {
					c.id = unb64u(c.id);
				});
				return navigator.credentials.get({publicKey: pk});
			}).then(function (cred) {
				return api('POST', '/api/login/key/finish', {
					id: cred.id,
					clientDataJSON: b64u(cred.response.clientDataJSON),
					authenticatorData:
					    b64u(cred.response.authenticatorData),
					signature: b64u(cred.response.signature)
				});
			});
		}

		/* The second step of a login: a TOTP or recovery code. */
		function codeStep(box, typed) {
			var err = h('p', {id: 'code-error', 'data-testid': 'code-error',
			    class: 'banner banner-error', role: 'alert', hidden: true});
			var code = h('input', {id: 'login-code', name: 'code',
			    type: 'text', inputmode: 'numeric',
			    autocomplete: 'one-time-code', required: true,
			    maxlength: '32', autocapitalize: 'none', spellcheck: 'false'});
			var submit = h('button', {type: 'submit', id: 'code-submit',
			    class: 'btn btn-primary', text: t('login.code.submit')});
			var keyBtn = h('button', {type: 'button', id: 'code-key',
			    class: 'btn', text: t('login.key')});
			var form = h('form', {id: 'code-form', 'data-testid': 'code-form',
			    class: 'form', novalidate: true,
			    'aria-labelledby': 'code-title'},
			    h('h2', {id: 'code-title', text: t('login.code.title')}),
			    h('p', {class: 'muted', id: 'code-intro',
				text: t('login.code.intro')}),
			    err,
			    h('div', {class: 'field'},
				h('label', {for: 'login-code', text: t('login.code')}),
				code),
			    h('div', {class: 'actions'}, submit, keyBtn));

			function failed(e) {
				submit.disabled = keyBtn.disabled = false;
				code.value = '';
				if (e && e.status === 401 &&
				    /no login is waiting/.test(e.message)) {
					go('login');
					return;
				}
				err.textContent = !(e instanceof ApiError) ?
				    t('login.key.failed') : e.status === 401 ?
				    t(e.message && /security key/.test(e.message) ?
				    'login.key.failed' : 'login.code.failed') :
				    e.status === 409 ? t('login.key.none') :
				    e.status === 429 ? (e.retryAfter ?
				    t('login.locked', {s: e.retryAfter}) :
				    t('login.locked_later')) :
				    t('login.error', {msg: e.message});
				err.hidden = false;
				code.focus();
			}
			keyBtn.addEventListener('click', function () {
				submit.disabled = keyBtn.disabled = true;
				err.hidden = true;
				keyLogin().then(function (d) {
					loginNext(box, d, typed);
				}, failed);
			});
			form.addEventListener('submit', function (ev) {
				ev.preventDefault();
				var v = code.value.replace(/\s+/g, '');
				if (!v) {
					code.focus();
					return;
				}
				submit.disabled = true;
				err.hidden = true;
				api('POST', '/api/login/code', {code: v}).then(
				    function (d) {
					loginNext(box, d, typed);
				}, failed);
			});
			return form;
		}

		/* What the server says of a refused password, in the user's
		 * language when it is one of the rules. */
		function passwordError(e) {
			var m = e.message || '';

			if (/too short/.test(m))
				return t('pw.short', {n: (m.match(/least (\d+)/) ||
				    [0, '12'])[1]});
			if (/too simple/.test(m))
				return t('pw.simple');
			if (/user name/.test(m))
				return t('pw.name');
			if (/used before/.test(m))
				return t('pw.reused');
			if (/current password/.test(m))
				return t('pw.wrong');
			if (e.status === 429)
				return e.retryAfter ? t('login.locked', {s: e.retryAfter}) :
				    t('login.locked_later');
			return t('pw.error', {msg: m});
		}

		/*
		 * The password change form; current is the password just typed at
		 * the login (asked again when null). done(d) gets the new session.
		 */
		function passwordForm(current, introKey, done) {
			var err = h('p', {id: 'pw-error', 'data-testid': 'pw-error',
			    class: 'banner banner-error', role: 'alert', hidden: true});
			var cur = current === null ? h('input', {id: 'pw-current',
			    name: 'current', type: 'password',
			    autocomplete: 'current-password', required: true,
			    maxlength: '1024'}) : null;
			var pw = h('input', {id: 'pw-new', name: 'password',
			    type: 'password', autocomplete: 'new-password',
			    required: true, maxlength: '1024',
			    'aria-describedby': 'pw-rules'});
			var again = h('input', {id: 'pw-again', name: 'again',
			    type: 'password', autocomplete: 'new-password',
			    required: true, maxlength: '1024'});
			var submit = h('button', {type: 'submit', id: 'pw-submit',
			    class: 'btn btn-primary', text: t('pw.submit')});
			var form = h('form', {id: 'pw-form', 'data-testid': 'pw-form',
			    class: 'form', novalidate: true,
			    'aria-labelledby': 'pw-title'},
			    h('h2', {id: 'pw-title', text: t('pw.title')}),
			    introKey ? h('p', {class: 'muted', id: 'pw-intro',
				text: t(introKey)}) : null,
			    err,
			    cur ? h('div', {class: 'field'},
				h('label', {for: 'pw-current', text: t('pw.current')}),
				cur) : null,
			    h('div', {class: 'field'},
				h('label', {for: 'pw-new', text: t('pw.new')}), pw,
				h('p', {class: 'muted', id: 'pw-rules',
				    text: t('pw.rules')})),
			    h('div', {class: 'field'},
				h('label', {for: 'pw-again', text: t('pw.again')}),
				again),
			    h('div', {class: 'actions'}, submit));

			form.addEventListener('submit', function (ev) {
				ev.preventDefault();
				err.hidden = true;
				if (pw.value !== again.value || !pw.value) {
					err.textContent = t('pw.mismatch');
					err.hidden = false;
					again.focus();
					return;
				}
				submit.disabled = true;
				api('POST', '/api/password', {current: cur ? cur.value :
				    current, password: pw.value}).then(function (d) {
					pw.value = again.value = '';
					if (cur)
						cur.value = '';
					done(d);
				}, function (e) {
					submit.disabled = false;
					err.textContent = passwordError(e);
					err.hidden = false;
					pw.value = again.value = '';
					pw.focus();
				});
			});
			return form;
		}

		/* #/password: a signed-in user changes the password. */
		function viewPassword() {
			var root = h('div', {id: 'password', 'data-testid': 'password',
			    'data-title': t('pw.title')});
			var ok = h('p', {id: 'pw-done', 'data-testid': 'pw-done',
			    class: 'banner banner-ok', role: 'status', hidden: true,
			    text: t('pw.done')});

			root.appendChild(ok);
			root.appendChild(panel(null, passwordForm(null, null,
			    function (d) {
				state.user.csrf = d.csrf;
				ok.hidden = false;
			})));
			root.appendChild(keysPanel());
			return root;
		}

		/* The signed-in user's security keys: list, register, remove. */
		function keysPanel() {
			var err = h('p', {id: 'key-error', 'data-testid': 'key-error',
			    class: 'banner banner-error', role: 'alert', hidden: true});
			var list = h('ul', {id: 'key-list', 'data-testid': 'key-list'});
			var label = h('input', {id: 'key-label', name: 'label',
			    type: 'text', maxlength: '64'});
			var add = h('button', {type: 'button', id: 'key-register',
			    class: 'btn', text: t('keys.register')});
			var body = h('div', null,
			    h('p', {class: 'muted', text: t('keys.intro')}), err, list,
			    h('div', {class: 'field'},
				h('label', {for: 'key-label', text: t('keys.label')}),
				label),
			    h('div', {class: 'actions'}, add));

			function show(e) {
				err.textContent = e instanceof ApiError ?
				    t('keys.error', {msg: e.message}) :
				    t('login.key.failed');
				err.hidden = false;
			}
			function load() {
				api('GET', '/api/keys').then(function (d) {
					clear(list);
					((d && d.items) || []).forEach(function (k) {
						var rm = h('button', {type: 'button',
						    class: 'btn btn-ghost',
						    text: t('keys.remove')});
						rm.addEventListener('click', function () {
							api('DELETE', '/api/keys/' +
							    encodeURIComponent(k.id))
							    .then(load, show);
						});
						list.appendChild(h('li', {class:
						    'key-item'}, h('span', {text:
						    k.label || t('keys.unnamed')}),
						    ' ', rm));
					});
					if (!list.firstChild)
						list.appendChild(h('li', {text:
						    t('keys.none')}));
				}, show);
			}
			add.addEventListener('click', function () {
				err.hidden = true;
				add.disabled = true;
				api('POST', '/api/keys/begin', {}).then(function (d) {
					var pk = d.publicKey;

					pk.challenge = unb64u(pk.challenge);
					pk.user.id = unb64u(pk.user.id);
					pk.excludeCredentials.forEach(function (c) {
						c.id = unb64u(c.id);
					});
					return navigator.credentials.create(
					    {publicKey: pk});
				}).then(function (cred) {
					return api('POST', '/api/keys/finish', {
					    label: label.value,
					    clientDataJSON:
						b64u(cred.response.clientDataJSON),
					    attestationObject:
						b64u(cred.response.attestationObject)
					});
				}).then(function () {
					add.disabled = false;
					label.value = '';
					load();
				}, function (e) {
					add.disabled = false;
					show(e);
				});
			});
			load();
			return panel(t('keys.title'), body, {class: 'panel',
			    id: 'keys', 'data-testid': 'keys'});
		}

		C.acct.codeStep = codeStep;
		C.acct.passwordForm = passwordForm;
		return {password: viewPassword};
	};
})();
