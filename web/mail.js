/*
 * mail.js: the console's mail-flow page (MAIL-3, docs/mail.md): a search of
 * the records govsec-milter keeps, by address, Message-ID and time
 * (GET /api/mail/trace, docs/api.md), newest first, with each message's
 * hop, sender, recipients (original recipient in brackets), signals,
 * decision and reason. Auditors and admins only, as the audit trail.
 * Loaded before app.js, which calls window.GovsecMail with its helpers and
 * mounts the returned route. Records came from the network: they reach
 * the page only as text (h() with text, textContent).
 */
(function () {
	'use strict';

	var LIMIT = 200;
	var DECISIONS = ['accept', 'reject', 'quarantine', 'discard'];

	window.GovsecMail = function (C) {
		var h = C.h, t = C.t, api = C.api, q = C.q, panel = C.panel;

		function field(id, key, type) {
			var input = h('input', {id: id, 'data-testid': id,
			    name: id, type: type || 'text', autocomplete: 'off'});
			return {input: input, el: h('div', {class: 'field'},
			    h('label', {for: id, text: t(key)}), input)};
		}

		function decision(d) {
			var known = DECISIONS.indexOf(d) >= 0;
			return h('span', {class: 'badge badge-' + (d === 'accept' ?
			    'pass' : known ? 'fail' : 'unknown'),
			    'data-decision': d, text: known ?
			    t('mail.decision.' + d) : String(d)});
		}

		function view() {
			var root = h('div', {id: 'mail-page',
			    'data-testid': 'mail-page',
			    'data-title': t('mail.title')},
			    C.pageHeader('mail.title', 'mail.intro'));
			var addr = field('mail-address', 'mail.address');
			var mid = field('mail-message-id', 'mail.message_id');
			var since = field('mail-since', 'mail.since', 'date');
			var until = field('mail-until', 'mail.until', 'date');
			var go = h('button', {type: 'submit', id: 'mail-search',
			    'data-testid': 'mail-search', class: 'btn btn-primary',
			    text: t('mail.search')});
			var out = h('div', {id: 'mail-results', 'aria-live':
			    'polite'});
			var form = h('form', {class: 'form-wide',
			    id: 'mail-form'}, addr.el, mid.el, since.el,
			    until.el, go);

			function search() {
				var args = {limit: LIMIT};
				if (addr.input.value.trim())
					args.address = addr.input.value.trim();
				if (mid.input.value.trim())
					args.message_id = mid.input.value.trim();
				if (since.input.value)
					args.since = since.input.value;
				if (until.input.value)
					args.until = until.input.value;
				go.disabled = true;
				C.clearError();
				return api('GET', q('/api/mail/trace', args))
				    .then(function (d) {
					go.disabled = false;
					show((d && d.records) || []);
				}, function (e) {
					go.disabled = false;
					C.showError(C.errText(e));
				});
			}

			function show(recs) {
				C.clear(out);
				if (!recs.length) {
					out.appendChild(h('p', {class: 'empty',
					    id: 'mail-none', 'data-testid':
					    'mail-none', text: t('mail.none')}));
					return;
				}
				out.appendChild(C.table('mail-records',
				    t('mail.title'), [
				    {label: t('col.time')},
				    {label: t('mail.col.decision')},
				    {label: t('mail.col.hop')},
				    {label: t('mail.col.sender')},
				    {label: t('mail.col.rcpts'), cls: 'mono wrap'},
				    {label: t('mail.col.signals'), cls: 'mono'},
				    {label: t('mail.col.message_id'),
					cls: 'mono wrap'},
				    {label: t('mail.col.reason')}],
				    recs.map(function (r) {
					return [h('span', {class: 'nowrap',
					    title: r.at, text: C.fmtTime(r.at)}),
					    decision(r.decision), r.hop || '',
					    h('span', {class: 'mono',
						text: r.sender ? r.sender : '<>'}),
					    r.rcpts || '',
					    (r.signals || t('none')) + ' (' +
					    r.score + ')',
					    r.message_id || t('none'),
					    r.reason || ''];
				    }), function (i) {
					return {'data-id': recs[i].id};
				    }));
			}

			form.addEventListener('submit', function (ev) {
				ev.preventDefault();
				search();
			});
			root.appendChild(panel(null, form));
			root.appendChild(panel(null, out));
			return search().then(function () { return root; });
		}

		return {mail: view};
	};
})();
