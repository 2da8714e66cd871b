/*
 * inspect.js: the console's read-only pages for portal inspections
 * (docs/inspect.md, the "Inspections" API of docs/api.md): the inspected
 * sites with their last run, and one run with its findings (requirement
 * IDs), footer marks, columns (GOVWEB-2), broken links, outbound links
 * without a leave-site prompt, blocked links and the diff since the host's
 * previous run. Reason codes are shown as a label in the page's language
 * with the code itself in small text and as the tooltip.
 * Loaded before app.js, which calls window.GovsecInspect with its helpers
 * and mounts the returned routes. Server data (URLs, hosts, evidence) is
 * untrusted and reaches the page only as text (h() and textContent); the
 * CSP forbids inline code and styles.
 * Operators and admins start an inspection of a portal from the sites page
 * (POST /api/inspection-jobs), watch its progress (pages, links checked,
 * rate; polled once a second while one runs and the page is shown) and
 * cancel it; everyone in scope sees the jobs.
 */
(function () {
	'use strict';

	var LIMIT = 500;	/* the API's most links per page */
	var POLL_MS = 1000;	/* progress of running inspections */
	var STATUSES = ['pass', 'fail', 'not_applicable', 'unknown'];

	window.GovsecInspect = function (C) {
		var h = C.h, t = C.t, I = C.I, api = C.api, panel = C.panel;
		var label = C.enumLabel;	/* label('insp.class', v) */

		function str(v) {
			return v === null || v === undefined || v === '' ?
			    t('none') : String(v);
		}

		function badge(s) {
			var known = STATUSES.indexOf(s) >= 0;
			return h('span', {class: 'badge badge-' +
			    (known ? s : 'unknown'), 'data-status': s},
			    known ? t('status.' + s) : str(s));
		}

		function mono(v) {
			return h('span', {class: 'mono wrap', text: str(v)});
		}

		function empty(id, key) {
			return h('p', {class: 'empty', id: id, 'data-testid': id,
			    text: t(key)});
		}

		function foundOn(l) {
			return mono(Array.isArray(l.found_on) && l.found_on.length ?
			    l.found_on[0] : null);
		}

		/* A reason code's label, with the code in small text and as
		 * the tooltip; an unknown code as itself. */
		function reason(code) {
			var key = 'insp.reason.' + code, label = null, m;
			if (!code)
				return t('none');
			m = /^http_([0-9]{3})$/.exec(String(code));
			if (I.has(key))
				label = t(key);
			else if (m)
				label = t('insp.reason.http', {status: m[1]});
			if (label === null)
				return h('span', {class: 'mono', text: String(code)});
			return h('span', {class: 'reason', title: String(code),
			    'data-code': String(code)}, label + ' ',
			    h('small', {class: 'mono muted', text: String(code)}));
		}


		/* ---- inspections started here ---- */

		function canWrite() {
			var u = C.state.user;
			return !!u && (u.role === 'operator' || u.role === 'admin');
		}

		function mainDomain(app) {
			var d = Array.isArray(app.domains) ? app.domains : [];
			var i;
			for (i = 0; i < d.length; i++)
				if (d[i] && d[i].main)
					return d[i].name;
			return null;
		}

		function jobState(j) {
			return h('span', {class: 'jobstate', 'data-state': j.state,
			    text: label('insp.job.state', j.state)});
		}

		/* The jobs table; cancel buttons for the running ones. */
		function jobsBox(jobs, onChange) {
			var box = h('div', {id: 'insp-jobs',
			    'data-testid': 'insp-jobs'});
			if (!jobs.length) {
				box.appendChild(empty('insp-jobs-empty',
				    'insp.jobs.none'));
				return box;
			}
			box.appendChild(C.table('insp-jobs-table', t('insp.jobs'), [
			    {label: t('insp.job.app'), rowHeader: true},
			    {label: t('insp.col.host')},
			    {label: t('insp.job.state')},
			    {label: t('insp.col.pages'), num: true},
			    {label: t('insp.job.checked'), num: true},
			    {label: t('insp.job.rate'), num: true},
			    {label: t('insp.job.started')},
			    {label: ''}],
			    jobs.map(function (j) {
				var act = null, btn;
				if (j.state === 'running' && canWrite()) {
					btn = h('button', {type: 'button',
					    class: 'btn', 'data-job': C.num(j.id),
					    'data-testid': 'insp-job-cancel',
					    text: t('insp.job.cancel')});
					btn.addEventListener('click', function () {
						btn.disabled = true;
						api('POST', '/api/inspection-jobs/' +
						    C.num(j.id) + '/cancel', {})
						    .then(onChange, function (e) {
							btn.disabled = false;
							C.showError(C.errText(e));
						});
					});
					act = btn;
				} else if (j.run) {
					act = C.link('inspections/' + C.num(j.run),
					    null, t('insp.job.open'), {
					    'data-testid': 'insp-job-run'});
				} else if (j.error) {
					act = h('span', {class: 'muted',
					    text: String(j.error)});
				}
				return [str(j.app), mono(j.host), jobState(j),
				    C.num(j.pages), t('insp.job.of', {
				    checked: C.num(j.checked),
				    links: C.num(j.links)}),
				    (Number(j.rate) || 0).toFixed(1),
				    C.fmtTime(j.started), act];
			    }), function (i) {
				return {'data-job': C.num(jobs[i].id),
				    'data-state': jobs[i].state};
			    }));
			return box;
		}

		/* Portals in scope with a start button each. */
		function portalsBox(apps, jobs, onChange) {
			var running = {};
			var portals = apps.filter(function (a) {
				return a.type === 'portal' && mainDomain(a);
			});
			jobs.forEach(function (j) {
				if (j.state === 'running')
					running[j.app] = true;
			});
			if (!portals.length)
				return empty('insp-portals-empty',
				    'insp.portals.none');
			return C.table('insp-portals', t('insp.portals'), [
			    {label: t('insp.job.app'), rowHeader: true},
			    {label: t('insp.portals.name')},
			    {label: t('insp.col.host')},
			    {label: ''}],
			    portals.map(function (a) {
				var btn = h('button', {type: 'button',
				    class: 'btn btn-primary',
				    'data-app': String(a.id),
				    'data-testid': 'insp-start',
				    disabled: running[a.id] ? true : null,
				    text: t('insp.job.start')});
				btn.addEventListener('click', function () {
					btn.disabled = true;
					C.clearError();
					api('POST', '/api/inspection-jobs',
					    {app: a.id}).then(onChange,
					    function (e) {
						btn.disabled = false;
						C.showError(C.errText(e));
						onChange();
					    });
				});
				return [mono(a.id), str(a.name),
				    mono(mainDomain(a)), btn];
			    }));
		}

		/* The jobs and portals panels, refreshed once a second while an
		 * inspection runs and the page is the current one. */
		function jobsPanels(root, alive) {
			var jobsPanel = panel(t('insp.jobs'), null,
			    {class: 'panel', id: 'insp-jobs-panel'});
			var portalsPanel = canWrite() ? panel(t('insp.portals'),
			    null, {class: 'panel', id: 'insp-portals-panel'}) :
			    null;
			var apps = [], timer = null, wasRunning = {};

			function fill(jobs) {
				var keep = jobsPanel.firstChild;
				var anyRunning = false, ended = false;
				clearAfter(jobsPanel, keep);
				jobsPanel.appendChild(jobsBox(jobs, refresh));
				if (portalsPanel) {
					clearAfter(portalsPanel,
					    portalsPanel.firstChild);
					portalsPanel.appendChild(portalsBox(apps,
					    jobs, refresh));
				}
				jobs.forEach(function (j) {
					if (j.state === 'running')
						anyRunning = true;
					else if (wasRunning[j.id])
						ended = true;
					wasRunning[j.id] = j.state === 'running';
				});
				if (ended && alive())
					C.render();	/* the sites table too */
				else if (anyRunning && timer === null)
					timer = setTimeout(poll, POLL_MS);
			}
			/* d: the reply of a start or cancel, whose job ran
			 * (even if it ends before the next look) */
			function refresh(d) {
				if (d && d.job)
					wasRunning[d.job.id] = true;
				if (timer !== null) {
					clearTimeout(timer);
					timer = null;
				}
				return api('GET', '/api/inspection-jobs')
				    .then(function (d) {
					if (alive())
						fill((d && d.jobs) || []);
				    }, function (e) {
					if (alive())
						C.showError(C.errText(e));
				    });
			}
			function poll() {
				timer = null;
				if (alive())
					refresh();
			}
			if (portalsPanel)
				root.appendChild(portalsPanel);
			root.appendChild(jobsPanel);
			return Promise.all([
				api('GET', '/api/inspection-jobs'),
				portalsPanel ? api('GET', '/api/applications') :
				    null
			]).then(function (res) {
				apps = (res[1] && res[1].items) || [];
				((res[0] && res[0].jobs) || []).forEach(function (j) {
					wasRunning[j.id] = j.state === 'running';
				});
				fill((res[0] && res[0].jobs) || []);
			});
		}

		/* Removes the children of el after keep (keep stays). */
		function clearAfter(el, keep) {
			while (el.lastChild && el.lastChild !== keep)
				el.removeChild(el.lastChild);
		}

		/* ---- the list of sites ---- */

		function viewSites(alive) {
			return api('GET', '/api/inspections').then(function (d) {
				var sites = (d && d.sites) || [];
				var root = h('div', {id: 'insp-sites-page',
				    'data-testid': 'insp-sites',
				    'data-title': t('insp.title')},
				    C.pageHeader('insp.title', 'insp.intro'));

				sitesPanel(root, sites);
				return jobsPanels(root, alive).then(function () {
					return root;
				});
			});
		}

		function sitesPanel(root, sites) {
			if (!sites.length) {
				root.appendChild(panel(null, empty(
				    'insp-sites-empty', 'insp.none')));
				return root;
			}
			root.appendChild(panel(null, C.table('insp-sites-table',
			    t('insp.title'), [
			    {label: t('insp.col.host'), rowHeader: true},
			    {label: t('insp.col.finished')},
			    {label: t('insp.col.pages'), num: true},
			    {label: t('insp.col.links'), num: true},
			    {label: t('insp.col.broken'), num: true},
			    {label: t('insp.col.blocked'), num: true},
			    {label: t('insp.col.unprompted'), num: true},
			    {label: t('insp.col.failing')}],
			    sites.map(function (s) {
				var f = s.findings || {};
				return [
				    C.link('inspections/' + C.num(s.run),
					null, str(s.host), {
					'data-testid': 'insp-site-link',
					class: 'mono'}),
				    C.fmtTime(s.finished),
				    C.num(s.pages), C.num(s.links),
				    C.num(s.broken), C.num(s.blocked),
				    C.num(s.unprompted),
				    Array.isArray(f.failing) &&
					f.failing.length ?
					f.failing.join(', ') : t('none')];
			    }))));
			return root;
		}

		/* ---- one run ---- */

		function linksTable(id, list, total, cols) {
			var box = h('div');
			if (!list.length) {
				box.appendChild(empty(id + '-empty', 'insp.links.none'));
				return box;
			}
			box.appendChild(C.table(id, null, cols.map(function (c) {
				return {label: t(c[0]), num: c[2]};
			}), list.map(function (l) {
				return cols.map(function (c) {
					return c[1](l);
				});
			})));
			if (total > list.length)
				box.appendChild(h('p', {class: 'muted',
				    text: t('insp.links.more', {shown: list.length,
				    total: total})}));
			return box;
		}

		var COL_URL = ['insp.col.url', function (l) {
			return mono(l.url);
		}];
		var COL_FOUND = ['insp.col.found_on', foundOn];
		var COL_REASON = ['insp.col.reason', function (l) {
			return reason(l.reason);
		}];
		var COL_HTTP = ['insp.col.http', function (l) {
			return l.http === null || l.http === undefined ?
			    t('none') : String(l.http);
		}, true];
		var COL_CLASS = ['insp.col.class', function (l) {
			return label('insp.class', l['class']);
		}];

		function findingsPanel(finds) {
			if (!finds.length)
				return panel(t('insp.findings'), empty(
				    'insp-findings-empty', 'insp.findings.none'));
			return panel(t('insp.findings'), C.table('insp-findings',
			    t('insp.findings'), [
			    {label: t('insp.col.requirement'), rowHeader: true},
			    {label: t('insp.col.status')},
			    {label: t('insp.col.object')},
			    {label: t('insp.col.evidence')}],
			    finds.map(function (f) {
				return [h('span', {class: 'req-id',
				    text: str(f.requirement)}), badge(f.status),
				    mono(f.object), str(f.evidence)];
			    })));
		}

		function marksPanel(m) {
			var dl = h('dl', {class: 'kv', id: 'insp-marks',
			    'data-testid': 'insp-marks'});
			Object.keys(m || {}).forEach(function (k) {
				var v = m[k];
				var key = 'insp.mark.' + k;
				if (typeof v === 'boolean')
					v = t(v ? 'insp.yes' : 'insp.no');
				dl.appendChild(h('div', {class: 'kv-row'},
				    h('dt', {text: I.has(key) ? t(key) : k}),
				    h('dd', {class: 'mono wrap', text: str(v)})));
			});
			return panel(t('insp.marks'), dl);
		}

		function columnsPanel(cols) {
			if (!cols.length)
				return panel(t('insp.columns'), empty(
				    'insp-columns-empty', 'insp.columns.none'));
			return panel(t('insp.columns'), C.table('insp-columns',
			    t('insp.columns'), [
			    {label: t('insp.col.column'), rowHeader: true},
			    {label: t('insp.col.kind')},
			    {label: t('insp.col.items'), num: true},
			    {label: t('insp.col.newest')},
			    {label: t('insp.col.age'), num: true},
			    {label: t('insp.col.limit'), num: true},
			    {label: t('insp.col.status')},
			    {label: t('insp.col.url')}],
			    cols.map(function (c) {
				return [str(c.name), label('insp.kind', c.kind),
				    C.num(c.items), str(c.newest),
				    c.age_days === null || c.age_days ===
				    undefined ? t('none') : C.num(c.age_days),
				    C.num(c.limit_days), h('span', {
				    class: 'colstatus', 'data-status': c.status,
				    text: label('insp.colstatus', c.status)}),
				    mono(c.url)];
			    })));
		}

		function diffPanel(d) {
			var box = h('div', {id: 'insp-diff',
			    'data-testid': 'insp-diff'});
			var nb = d.new_broken || [], ch = d.changed || [],
			    nh = d.new_external_hosts || [];

			box.appendChild(h('p', {class: 'muted', text:
			    d.previous ? t('insp.diff.against',
			    {run: C.num(d.previous)}) : t('insp.diff.first')}));
			box.appendChild(h('h3', {text: t('insp.diff.new_broken') +
			    ' (' + nb.length + ')'}));
			box.appendChild(linksTable('insp-diff-broken', nb,
			    nb.length, [COL_URL, COL_REASON, ['insp.col.found_on',
			    function (x) {
				return mono(x.found_on);
			    }]]));
			box.appendChild(h('h3', {text: t('insp.diff.changed') +
			    ' (' + ch.length + ')'}));
			box.appendChild(linksTable('insp-diff-changed', ch,
			    ch.length, [COL_URL, ['insp.col.what', function (x) {
				return label('insp.what', x.what);
			    }], ['insp.col.before', function (x) {
				return mono(x.before);
			    }], ['insp.col.after', function (x) {
				return mono(x.after);
			    }]]));
			box.appendChild(h('h3', {text: t('insp.diff.new_hosts') +
			    ' (' + nh.length + ')'}));
			box.appendChild(nh.length ? h('ul', {class: 'plain-list',
			    id: 'insp-diff-hosts'}, nh.map(function (x) {
				return h('li', {class: 'mono', text: str(x.host)});
			    })) : empty('insp-diff-hosts-empty', 'insp.links.none'));
			return panel(t('insp.diff'), box);
		}

		function viewRun(id) {
			var base = '/api/inspections/' + encodeURIComponent(id);
			var q = '/links?limit=' + LIMIT;
			return Promise.all([
				api('GET', base),
				api('GET', base + q + '&status=broken'),
				api('GET', base + q + '&prompt=none&external=1'),
				api('GET', base + q + '&status=blocked'),
				api('GET', base + '/diff')
			]).then(function (res) {
				var run = res[0] || {};
				var root = h('div', {id: 'insp-run-page',
				    'data-testid': 'insp-run',
				    'data-title': str(run.host)});

				function links(i) {
					return (res[i] && res[i].links) || [];
				}
				function total(i) {
					return C.num(res[i] && res[i].total);
				}
				root.appendChild(h('div', {class: 'page-head'},
				    h('p', {class: 'crumbs'}, C.link('inspections',
					null, t('insp.title'))),
				    h('h1', {tabindex: '-1', class: 'mono',
					text: str(run.host)}),
				    h('p', {class: 'muted', id: 'insp-run-summary',
					text: t('insp.run.summary', {
					run: C.num(run.run),
					start: str(run.start),
					finished: C.fmtTime(run.finished),
					pages: C.num(run.pages),
					links: C.num(run.links),
					broken: C.num(run.broken),
					blocked: C.num(run.blocked),
					unprompted: C.num(run.unprompted)})})));
				root.appendChild(findingsPanel(
				    Array.isArray(run.findings) ? run.findings : []));
				root.appendChild(marksPanel(run.marks));
				root.appendChild(columnsPanel(
				    Array.isArray(run.columns) ? run.columns : []));
				root.appendChild(panel(t('insp.broken'), linksTable(
				    'insp-broken', links(1), total(1), [COL_URL,
				    COL_REASON, COL_HTTP, COL_FOUND])));
				root.appendChild(panel(t('insp.unprompted'),
				    linksTable('insp-unprompted', links(2),
				    total(2), [COL_URL, COL_CLASS, COL_FOUND])));
				root.appendChild(panel(t('insp.blocked'), linksTable(
				    'insp-blocked', links(3), total(3), [COL_URL,
				    COL_REASON, COL_HTTP, COL_FOUND])));
				root.appendChild(diffPanel(res[4] || {}));
				return root;
			});
		}

		return {
			inspections: function (r, alive) {
				var id = r.parts[1];
				if (id && !/^[0-9]{1,15}$/.test(id)) {
					C.go('inspections');
					return null;
				}
				return id ? viewRun(id) : viewSites(alive ||
				    function () { return true; });
			}
		};
	};
})();
