/*
 * portal.js: security keys (WebAuthn) on the gate's login and enrolment
 * pages, served by the gate at {portal}/portal.js. It only adds a button
 * to pages that work without it; the texts come from the page
 * (#key-text data-*), in the page's language. What the server sends is
 * trusted as the gate's; nothing is written into the page as HTML.
 */
(function () {
	'use strict';

	var T = document.getElementById('key-text');
	var form = document.querySelector('main form');
	var portal, lang, action;

	if (!T || !form)
		return;
	portal = T.getAttribute('data-portal');
	lang = T.getAttribute('data-lang');
	action = form.getAttribute('action') || '';
	if (!window.PublicKeyCredential || !navigator.credentials ||
	    !window.isSecureContext)
		return; /* the form alone still works */

	function text(name) {
		return T.getAttribute('data-' + name) || '';
	}

	function b64u(buf) {
		var bytes = new Uint8Array(buf);
		var s = '';

		for (var i = 0; i < bytes.length; i++)
			s += String.fromCharCode(bytes[i]);
		return btoa(s).replace(/\+/g, '-').replace(/\//g, '_')
		    .replace(/=+$/, '');
	}

	function unb64u(s) {
		var bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
		var out = new Uint8Array(bin.length);

		for (var i = 0; i < bin.length; i++)
			out[i] = bin.charCodeAt(i);
		return out.buffer;
	}

	/* The page's message line (role alert for problems). */
	function say(msg, problem) {
		var p = document.getElementById('msg');

		if (!p) {
			p = document.createElement('p');
			p.id = 'msg';
			form.parentNode.insertBefore(p, form);
		}
		p.setAttribute('role', problem ? 'alert' : 'status');
		p.textContent = msg;
	}

	function post(path, body) {
		body.lang = lang;
		return fetch(portal + '/key/' + path, {
			method: 'POST',
			credentials: 'same-origin',
			cache: 'no-store',
			headers: {'Content-Type': 'application/json'},
			body: JSON.stringify(body)
		}).then(function (r) {
			return r.json().catch(function () {
				return {};
			}).then(function (j) {
				if (!r.ok)
					throw new Error(j.error || text('bad'));
				return j;
			});
		});
	}

	function field(name) {
		var f = form.elements.namedItem(name);
		return f ? f.value : '';
	}

	function done(j, msg) {
		if (j.redirect)
			window.location.assign(j.redirect);
		else
			say(msg, false);
	}

	function fail(e) {
		/* a cancelled or timed-out ceremony, or the server's answer */
		say(e && e.name === 'NotAllowedError' ? text('refused') :
		    (e && e.message) || text('refused'), true);
	}

	function button(label, onclick) {
		var b = document.createElement('button');

		b.type = 'button';
		b.id = 'key-button';
		b.textContent = label;
		b.addEventListener('click', function () {
			b.disabled = true;
			onclick().catch(fail).then(function () {
				b.disabled = false;
			});
		});
		form.parentNode.insertBefore(b, form.nextSibling);
	}

	if (/\/login$/.test(action)) {
		button(text('login'), function () {
			if (!form.reportValidity())
				return Promise.resolve();
			return post('login/begin', {
				username: field('username'),
				password: field('password')
			}).then(function (j) {
				var pk = j.publicKey;

				pk.challenge = unb64u(pk.challenge);
				pk.allowCredentials.forEach(function (c) {
					c.id = unb64u(c.id);
				});
				say(text('wait'), false);
				return navigator.credentials.get({publicKey: pk})
				    .then(function (cred) {
					return post('login/finish', {
					    handle: j.handle,
					    id: cred.id,
					    clientDataJSON: b64u(
						cred.response.clientDataJSON),
					    authenticatorData: b64u(
						cred.response.authenticatorData),
					    signature: b64u(
						cred.response.signature),
					    rd: field('rd')
					});
				});
			}).then(function (j) {
				done(j, text('ok'));
			});
		});
	} else if (/\/enrol$/.test(action)) {
		button(text('enrol'), function () {
			var enrol = field('handle');

			return post('register/begin', {enrol: enrol})
			    .then(function (j) {
				var pk = j.publicKey;

				pk.challenge = unb64u(pk.challenge);
				pk.user.id = unb64u(pk.user.id);
				pk.excludeCredentials.forEach(function (c) {
					c.id = unb64u(c.id);
				});
				say(text('wait'), false);
				return navigator.credentials.create({publicKey: pk})
				    .then(function (cred) {
					return post('register/finish', {
					    handle: j.handle,
					    enrol: enrol,
					    clientDataJSON: b64u(
						cred.response.clientDataJSON),
					    attestationObject: b64u(
						cred.response.attestationObject),
					    label: '',
					    rd: field('rd')
					});
				});
			}).then(function (j) {
				done(j, text('done'));
			});
		});
	}
}());
