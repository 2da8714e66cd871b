/*
 * counterfeit.js: the console's counterfeit pages (CF-1..3,
 * docs/counterfeit.md, the "Counterfeits" API of docs/api.md): the cases
 * by state, the matcher's hits, the complaints from the public and what is
 * stopped now; one case with its history (who did what, when) and, for
 * operators and admins, the form of its next step (no step can be
 * skipped: the server refuses, and the form offers only the next one).
 * Loaded before app.js, which calls window.GovsecCounterfeit with its
 * helpers and mounts the returned routes. Server data (names, notes,
 * contacts) is untrusted and reaches the page only as text.
 */
(function () {
	'use strict';

	var STATES = ['new', 'confirming', 'counterfeit', 'genuine',
	    'not_government', 'takedown_requested', 'taken_down', 'referred'];
	/* the step that takes a case on from each state */
	var NEXT = {
		new: 'confirm',
		confirming: 'decide',
		counterfeit: 'takedown',
		takedown_requested: 'done',
		taken_down: 'refer'
	};

	window.GovsecCounterfeit = function (C) {
		var h = C.h, t = C.t, api = C.api, panel = C.panel;

		function str(v) {
			return v === null || v === undefined || v === '' ?
			    t('none') : String(v);
		}

		function mono(v) {
			return h('span', {class: 'mono wrap', text: str(v)});
		}

		function stateLabel(s) {
			return h('span', {class: 'badge badge-cf-' + s,
			    'data-state': s, text: STATES.indexOf(s) >= 0 ?
			    t('cf.state.' + s) : str(s)});
		}

		function canWrite() {
			var u = C.state.user;
			return !!u && (u.role === 'operator' || u.role === 'admin');
		}

		function empty(id, key) {
			return h('p', {class: 'empty', id: id, 'data-testid': id,
			    text: t(key)});
		}

		function casesTable(cases) {
			if (!cases.length)
				return empty('cf-cases-empty', 'cf.cases.none');
			return C.table('cf-cases', t('cf.cases'), [
			    {label: t('cf.col.case'), rowHeader: true},
			    {label: t('cf.col.state')},
			    {label: t('cf.col.kind')},
			    {label: t('cf.col.candidate')},
			    {label: t('cf.col.imitates')},
			    {label: t('cf.col.source')},
			    {label: t('cf.col.opened')}],
			    cases.map(function (c) {
				return [C.link('cfcase/' + c.id, null, c.id,
				    {'data-testid': 'cf-case-link'}),
				    stateLabel(c.state),
				    t('cf.kind.' + c.kind),
				    mono(c.candidate + (c.platform ?
				    ' @ ' + c.platform : '')),
				    str(c.unit_name || c.protected),
				    t('cf.source.' + c.source),
				    C.fmtTime(c.opened)];
			    }));
		}

		function hitsTable(hits) {
			if (!hits.length)
				return empty('cf-hits-empty', 'cf.hits.none');
			return C.table('cf-hits', t('cf.hits'), [
			    {label: t('cf.col.candidate'), rowHeader: true},
			    {label: t('cf.col.kind')},
			    {label: t('cf.col.imitates')},
			    {label: t('cf.col.reason')},
			    {label: t('cf.col.score'), num: true},
			    {label: t('cf.col.seen')},
			    {label: t('cf.col.case')}],
			    hits.map(function (x) {
				return [mono(x.candidate), t('cf.kind.' + x.kind),
				    str(x.protected), str(x.reason),
				    C.num(x.score), C.fmtTime(x.last_seen),
				    x.case_id ? C.link('cfcase/' + x.case_id,
				    null, x.case_id) : t('none')];
			    }));
		}

		function complaintsTable(list) {
			if (!list.length)
				return empty('cf-complaints-empty',
				    'cf.complaints.none');
			return C.table('cf-complaints', t('cf.complaints'), [
			    {label: t('cf.col.received'), rowHeader: true},
			    {label: t('cf.col.kind')},
			    {label: t('cf.col.candidate')},
			    {label: t('cf.col.description')},
			    {label: t('cf.col.contact')},
			    {label: t('cf.col.case')}],
			    list.map(function (x) {
				return [C.fmtTime(x.received),
				    t('cf.kind.' + x.kind), mono(x.target),
				    str(x.description),
				    x.contact !== undefined ? str(x.contact) :
				    t(x.has_contact ? 'cf.contact.hidden' :
				    'none'),
				    C.link('cfcase/' + x.case_id, null,
				    x.case_id)];
			    }));
		}

		function stoppedBox(td) {
			var rows = [];
			['domains', 'apps', 'accounts'].forEach(function (k) {
				(td[k] || []).forEach(function (x) {
					rows.push([mono(x.name + (x.platform ?
					    ' @ ' + x.platform : '')),
					    t('cf.stopped.' + k),
					    stateLabel(x.state),
					    C.link('cfcase/' + x.case, null,
					    x.case)]);
				});
			});
			(td.addresses || []).forEach(function (a) {
				rows.push([mono(a), t('cf.stopped.addresses'),
				    '', '']);
			});
			if (!rows.length)
				return empty('cf-stopped-empty',
				    'cf.stopped.none');
			return h('div', null,
			    h('p', {class: 'muted', id: 'cf-serial',
			    text: t('cf.stopped.serial', {serial:
			    str(td.serial)})}),
			    C.table('cf-stopped', t('cf.stopped'), [
			    {label: t('cf.col.candidate'), rowHeader: true},
			    {label: t('cf.col.kind')},
			    {label: t('cf.col.state')},
			    {label: t('cf.col.case')}], rows));
		}

		function viewList(r) {
			var state = r.params.state || '';
			var root = h('div', {'data-title': t('cf.title')});
			var select = h('select', {id: 'cf-state-filter',
			    'aria-label': t('cf.col.state')},
			    h('option', {value: '', text: t('cf.state.all')}),
			    STATES.map(function (s) {
				return h('option', {value: s,
				    selected: s === state ? true : null,
				    text: t('cf.state.' + s)});
			    }));

			select.addEventListener('change', function () {
				C.go('counterfeit', {state: select.value});
			});
			root.appendChild(C.pageHeader('cf.title', 'cf.intro'));
			return Promise.all([
				api('GET', '/api/counterfeit/cases' +
				    (state ? '?state=' +
				    encodeURIComponent(state) : '')),
				api('GET', '/api/counterfeit/hits?limit=200'),
				api('GET', '/api/counterfeit/complaints?limit=200'),
				api('GET', '/api/counterfeit/takedown')
			]).then(function (res) {
				var casesPanel = panel(t('cf.cases'), null,
				    {class: 'panel', id: 'cf-cases-panel'});

				casesPanel.appendChild(h('p', null,
				    h('label', {for: 'cf-state-filter',
				    text: t('cf.col.state') + ' '}), select));
				casesPanel.appendChild(casesTable(res[0] || []));
				root.appendChild(casesPanel);
				root.appendChild(panel(t('cf.stopped'),
				    stoppedBox(res[3] || {}),
				    {class: 'panel', id: 'cf-stopped-panel'}));
				root.appendChild(panel(t('cf.complaints'),
				    complaintsTable(res[2] || []),
				    {class: 'panel', id: 'cf-complaints-panel'}));
				root.appendChild(panel(t('cf.hits'),
				    hitsTable(res[1] || []),
				    {class: 'panel', id: 'cf-hits-panel'}));
				return root;
			});
		}

		function field(id, key, el) {
			return h('p', null, h('label', {for: id,
			    text: t(key)}), el);
		}

		/* The form of the next step of case c (operators, admins). */
		function stepForm(c) {
			var step = NEXT[c.state];
			var form, note, addr, decision, agency, ref, unit, btn;

			if (!step || !canWrite())
				return null;
			note = h('textarea', {id: 'cf-note', rows: '3',
			    maxlength: '4000'});
			addr = h('input', {id: 'cf-addresses',
			    placeholder: '203.0.113.5, 2001:db8::/48'});
			unit = h('input', {id: 'cf-unit', maxlength: '18',
			    value: c.unit || ''});
			form = h('form', {id: 'cf-step-form',
			    'data-step': step},
			    h('h2', {class: 'panel-title',
			    text: t('cf.step.' + step)}));
			if (step === 'decide') {
				decision = h('select', {id: 'cf-decision'},
				    ['counterfeit', 'genuine', 'not_government']
				    .map(function (d) {
					return h('option', {value: d,
					    text: t('cf.state.' + d)});
				    }));
				form.appendChild(field('cf-decision',
				    'cf.decision', decision));
			}
			if (step === 'refer') {
				agency = h('input', {id: 'cf-agency',
				    maxlength: '200', required: true});
				ref = h('input', {id: 'cf-reference',
				    maxlength: '200'});
				form.appendChild(field('cf-agency', 'cf.agency',
				    agency));
				form.appendChild(field('cf-reference',
				    'cf.reference', ref));
			}
			form.appendChild(field('cf-note', 'cf.note', note));
			form.appendChild(field('cf-addresses', 'cf.addresses',
			    addr));
			if (step !== 'refer')
				form.appendChild(field('cf-unit', 'cf.unit',
				    unit));
			btn = h('button', {type: 'submit', class: 'btn btn-primary',
			    id: 'cf-step-submit', text: t('cf.step.' + step)});
			form.appendChild(btn);
			form.addEventListener('submit', function (ev) {
				var body = {};

				ev.preventDefault();
				if (note.value.trim())
					body.note = note.value.trim();
				if (addr.value.trim())
					body.addresses = addr.value.trim();
				if (decision)
					body.decision = decision.value;
				if (agency)
					body.agency = agency.value.trim();
				if (ref && ref.value.trim())
					body.reference = ref.value.trim();
				if (step !== 'refer' && unit.value.trim() &&
				    unit.value.trim() !== (c.unit || ''))
					body.unit = unit.value.trim();
				btn.disabled = true;
				C.clearError();
				api('POST', '/api/counterfeit/cases/' +
				    encodeURIComponent(c.id) + '/' + step,
				    body).then(function () {
					C.render();
				    }, function (e) {
					btn.disabled = false;
					C.showError(C.errText(e));
				    });
			});
			return panel(null, form, {class: 'panel',
			    id: 'cf-step-panel'});
		}

		function viewCase(id) {
			return api('GET', '/api/counterfeit/cases/' +
			    encodeURIComponent(id)).then(function (c) {
				var root = h('div', {'data-title': c.id});
				var facts = [
				    ['cf.col.state', stateLabel(c.state)],
				    ['cf.col.kind', t('cf.kind.' + c.kind)],
				    ['cf.col.candidate', mono(c.candidate)],
				    ['cf.col.platform', str(c.platform)],
				    ['cf.col.imitates', str(c.unit_name ?
				    c.unit_name + ' (' + c.unit + ')' :
				    c.protected)],
				    ['cf.col.source', t('cf.source.' + c.source)],
				    ['cf.col.opened', C.fmtTime(c.opened) + ' · ' +
				    str(c.opened_by)]];
				var dl = h('dl', {class: 'facts', id: 'cf-facts'});
				var form;

				root.appendChild(h('div', {class: 'page-head'},
				    h('h1', {tabindex: '-1', id: 'cf-case-title',
				    text: t('cf.case', {id: c.id})}),
				    h('p', null, C.link('counterfeit', null,
				    t('cf.back')))));
				facts.forEach(function (f) {
					dl.appendChild(h('dt', {text: t(f[0])}));
					dl.appendChild(h('dd', null, f[1]));
				});
				root.appendChild(panel(null, dl));
				form = stepForm(c);
				if (form)
					root.appendChild(form);
				root.appendChild(panel(t('cf.history'),
				    C.table('cf-history', t('cf.history'), [
				    {label: t('cf.col.at'), rowHeader: true},
				    {label: t('cf.col.step')},
				    {label: t('cf.col.state')},
				    {label: t('cf.col.who')},
				    {label: t('cf.note')},
				    {label: t('cf.addresses')}],
				    (c.history || []).map(function (e) {
					return [C.fmtTime(e.at),
					    t('cf.action.' + e.action),
					    e.state === '-' ? '' :
					    stateLabel(e.state), str(e.actor),
					    str(e.note), str((e.addresses ||
					    []).join(', '))];
				    }))));
				root.appendChild(panel(t('cf.hits'),
				    hitsTable(c.hits || [])));
				root.appendChild(panel(t('cf.complaints'),
				    complaintsTable(c.complaints || [])));
				if (c.referral)
					root.appendChild(panel(t('cf.referral'),
					    h('p', {id: 'cf-referral',
					    text: t('cf.referral.text', {
					    agency: c.referral.agency,
					    at: C.fmtTime(c.referral.at),
					    who: c.referral.actor,
					    digest: c.referral.digest})})));
				if ((c.kind === 'app' || c.kind === 'account') &&
				    ['counterfeit', 'takedown_requested',
				    'taken_down', 'referred'].indexOf(c.state) >= 0)
					root.appendChild(panel(t('cf.notice'),
					    h('p', null, h('a', {href:
					    '/api/counterfeit/notices/' +
					    encodeURIComponent(c.id) +
					    '?format=html', target: '_blank',
					    rel: 'noopener', id: 'cf-notice',
					    text: t('cf.notice.open')}))));
				return root;
			});
		}

		return {
			counterfeit: function (r) {
				return viewList(r);
			},
			cfcase: function (r) {
				var id = r.parts[1];
				if (!id || !/^cf-[0-9]{8}-[0-9a-f]{8}$/.test(id)) {
					C.go('counterfeit');
					return null;
				}
				return viewCase(id);
			}
		};
	};
})();
