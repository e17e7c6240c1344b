// Dashboard page: polls the JSON API every 5 s and redraws figures, charts and tables in place.
/* global document, Chart, fetch, URLSearchParams, location, Option, setInterval, sessionStorage -- browser page; Chart comes from /vendor/chart.js */
'use strict';
(function () {
  const POLL_MS = 5000;
  const select = document.getElementById('campaign');
  const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
  const money = (n) => (n === null || n === undefined ? '-' : n.toFixed(2));
  const share = (n) => (n === null || n === undefined ? 'n/a' : `${(n * 100).toFixed(1)}%`);
  const time = (iso) => new Date(iso).toISOString().replace('T', ' ').slice(0, 19);
  const duration = (ms) => {
    const units = [
      ['d', 86400000],
      ['h', 3600000],
      ['m', 60000],
      ['s', 1000],
    ];
    for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
    return `${ms}ms`;
  };

  const pct = (n) => `${n.toFixed(1)}%`;
  // Figures in the ballpark of their unit: first-touch times run from seconds to days.
  const approx = (ms) => {
    if (ms === null) return '-';
    if (ms < 60000) return `${(ms / 1000).toFixed(1)}s`;
    if (ms < 3600000) return `${(ms / 60000).toFixed(1)}m`;
    return `${(ms / 3600000).toFixed(1)}h`;
  };
  const targetShares = (targets) =>
    targets.map((t) => `${duration(t.withinMs)}: ${share(t.actual)} / ${share(t.target)}`).join(', ') || '-';

  function setText(testId, text) {
    byTestId(testId).textContent = text;
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function fillTable(testId, rows, rowTestId, emptyText, columns) {
    const body = byTestId(testId).querySelector('tbody');
    body.replaceChildren();
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      const td = cell(emptyText);
      td.colSpan = byTestId(testId).querySelectorAll('th').length;
      tr.append(td);
      body.append(tr);
      return;
    }
    for (const row of rows) {
      const tr = document.createElement('tr');
      tr.dataset.testid = rowTestId;
      tr.append(...columns(row));
      body.append(tr);
    }
  }

  const lineOptions = (yTitle, y1Title) => ({
    animation: false,
    maintainAspectRatio: false,
    interaction: { mode: 'index', intersect: false },
    scales: {
      y: { title: { display: true, text: yTitle }, beginAtZero: true },
      ...(y1Title
        ? {
            y1: {
              position: 'right',
              title: { display: true, text: y1Title },
              beginAtZero: true,
              grid: { drawOnChartArea: false },
            },
          }
        : {}),
    },
  });

  const burnChart = new Chart(document.getElementById('burn'), {
    type: 'line',
    data: {
      labels: [],
      datasets: [
        { label: 'Spend', data: [], borderColor: '#d9822b', yAxisID: 'y', pointRadius: 0 },
        {
          label: 'Forecast conversions',
          data: [],
          borderColor: '#8a9bb0',
          borderDash: [6, 4],
          yAxisID: 'y1',
          pointRadius: 0,
        },
        { label: 'Actual conversions', data: [], borderColor: '#2b6cd9', yAxisID: 'y1', pointRadius: 0 },
      ],
    },
    options: lineOptions('spend', 'conversions'),
  });

  const cplChart = new Chart(document.getElementById('cpl'), {
    type: 'line',
    data: {
      labels: [],
      datasets: [
        { label: 'Band low', data: [], borderColor: 'rgba(27,127,59,0.5)', pointRadius: 0 },
        {
          label: 'Band high',
          data: [],
          borderColor: 'rgba(27,127,59,0.5)',
          backgroundColor: 'rgba(27,127,59,0.12)',
          fill: '-1',
          pointRadius: 0,
        },
        { label: 'CPL', data: [], borderColor: '#b3261e', pointRadius: 0, spanGaps: true },
      ],
    },
    options: lineOptions('cost per lead'),
  });

  const pacingChart = new Chart(document.getElementById('pacing'), {
    type: 'line',
    data: {
      labels: [],
      datasets: [
        { label: 'Band low', data: [], borderColor: 'rgba(27,127,59,0.5)', pointRadius: 0 },
        {
          label: 'Band high',
          data: [],
          borderColor: 'rgba(27,127,59,0.5)',
          backgroundColor: 'rgba(27,127,59,0.12)',
          fill: '-1',
          pointRadius: 0,
        },
        { label: 'Flight elapsed %', data: [], borderColor: '#8a9bb0', borderDash: [6, 4], pointRadius: 0 },
        { label: 'Budget spent %', data: [], borderColor: '#d9822b', pointRadius: 0 },
      ],
    },
    options: lineOptions('% of budget / flight'),
  });

  function drawCharts(series) {
    const labels = series.map((p) => time(p.at).slice(5, 16));
    burnChart.data.labels = labels;
    burnChart.data.datasets[0].data = series.map((p) => p.spend);
    burnChart.data.datasets[1].data = series.map((p) => p.forecast);
    burnChart.data.datasets[2].data = series.map((p) => p.conversions);
    burnChart.update('none');
    cplChart.data.labels = labels;
    cplChart.data.datasets[0].data = series.map((p) => p.cplLow);
    cplChart.data.datasets[1].data = series.map((p) => p.cplHigh);
    cplChart.data.datasets[2].data = series.map((p) => p.cpl);
    cplChart.update('none');
    pacingChart.data.labels = labels;
    // The band is around even pacing: elapsed % × (1 ± band %).
    pacingChart.data.datasets[0].data = series.map((p) => p.pacing.elapsedPct * (1 - p.pacing.bandPct / 100));
    pacingChart.data.datasets[1].data = series.map((p) => p.pacing.elapsedPct * (1 + p.pacing.bandPct / 100));
    pacingChart.data.datasets[2].data = series.map((p) => p.pacing.elapsedPct);
    pacingChart.data.datasets[3].data = series.map((p) => p.pacing.spentPct);
    pacingChart.update('none');
  }

  function renderPacing(latest) {
    const p = latest ? latest.pacing : null;
    setText('pacing-spent', p ? pct(p.spentPct) : '-');
    setText('pacing-elapsed', p ? pct(p.elapsedPct) : '-');
    setText('pacing-ratio', p && p.ratio !== null ? `${p.ratio.toFixed(2)} (±${p.bandPct.toFixed(1)}%)` : '-');
    setText('pacing-status', p ? p.status : 'no velocity checks yet');
    setText('pacing-projected', p ? money(p.projectedSpend) : '-');
  }

  const groupColumns = (g) => [
    cell(g.key),
    cell(String(g.leads)),
    cell(String(g.breached), g.breached > 0 ? 'bad' : ''),
    cell(`${approx(g.medianFirstTouchMs)} / ${approx(g.p95FirstTouchMs)}`),
    cell(share(g.acceptanceRate)),
    cell(`${g.breaches.acceptance} / ${g.breaches.followUp}`),
  ];

  function routingCell(rep) {
    if (rep.inactiveInCrm) return cell('inactive in Salesforce', 'bad');
    if (rep.outOfRotationUntil) return cell(`out of rotation until ${time(rep.outOfRotationUntil)}`, 'bad');
    return cell(rep.inactiveInCrm === null ? '-' : 'in rotation');
  }

  function renderPortfolio(rows) {
    fillTable('portfolio-table', rows, 'portfolio-row', 'no campaigns recorded yet', (r) => {
      const name = cell('');
      const link = document.createElement('a');
      link.href = `?campaign=${encodeURIComponent(r.campaignId)}`;
      link.textContent = r.campaignId;
      name.append(link);
      return [
        name,
        cell(r.health ?? 'unknown'),
        cell(r.pacing ? `${pct(r.pacing.spentPct)} / ${pct(r.pacing.elapsedPct)}` : '-'),
        cell(r.pacing ? r.pacing.status : 'no velocity checks yet'),
        cell(targetShares(r.compliance)),
        cell(String(r.pendingProposals), r.pendingProposals > 0 ? 'bad' : ''),
      ];
    });
  }

  function render(detail) {
    const latest = detail.series[detail.series.length - 1];
    setText('health', detail.health ?? 'unknown');
    setText('data-source', detail.source);
    byTestId('empty-state').hidden = detail.series.length > 0;
    setText('kpi-spend', latest ? money(latest.spend) : '-');
    setText('kpi-budget', latest ? money(latest.budget) : '-');
    setText('kpi-burn', latest ? `${latest.burnPct.toFixed(1)}%` : '-');
    setText('kpi-conversions', latest ? String(latest.conversions) : '-');
    setText('kpi-forecast', latest ? latest.forecast.toFixed(1) : '-');
    setText('kpi-cpl', latest ? `${money(latest.cpl)} (${money(latest.cplLow)}–${money(latest.cplHigh)})` : '-');
    setText('kpi-open-clocks', String(detail.openClockCount));
    drawCharts(detail.series);
    renderPacing(latest);
    fillTable('daily-table', detail.daily, 'daily-row', 'no leads yet', (d) => [
      cell(d.day),
      cell(String(d.leads)),
      cell(String(d.breached)),
      cell(targetShares(d.targets)),
    ]);
    fillTable('owner-table', detail.byOwner, 'owner-row', 'no leads yet', groupColumns);
    fillTable('tier-table', detail.byTier, 'tier-row', 'no leads yet', groupColumns);
    fillTable('milestone-table', detail.milestones, 'milestone-row', 'no milestones in the contract', (m) => [
      cell(m.name),
      cell(String(m.started)),
      cell(String(m.met)),
      cell(String(m.breached), m.breached > 0 ? 'bad' : ''),
      cell(String(m.stopped)),
      cell(`${m.pending} (${m.pausedNow})`),
      cell(m.share === null ? '-' : share(m.share)),
      cell(
        m.paused > 0
          ? `${(m.pausedMs / 3600000).toFixed(1)} h over ${m.paused} clock${m.paused === 1 ? '' : 's'}`
          : '-',
      ),
    ]);
    fillTable('rep-table', detail.reps, 'rep-row', 'no reps configured', (r) => [
      cell(r.repId),
      cell(r.pool),
      cell(
        r.held === null ? `- / ${r.capacity}` : `${r.held} / ${r.capacity}${r.overCapacity ? ' (over capacity)' : ''}`,
        r.overCapacity ? 'bad' : '',
      ),
      cell(r.outOfOffice ? 'yes' : 'no', r.outOfOffice ? 'bad' : ''),
      routingCell(r),
    ]);
    const usage = detail.crmApiUsage;
    setText(
      'api-budget',
      usage
        ? `Salesforce API: ${usage.used.toLocaleString()} of ${usage.max.toLocaleString()} calls used in the org's ` +
            `rolling 24 h (${share(usage.used / usage.max)}), as of ${time(usage.at)}.`
        : "Salesforce API: no live figure yet (the campaign reports the org's usage after its first CRM poll).",
    );
    const ads = detail.adsApiUsage;
    setText(
      'ads-budget',
      ads
        ? `Google Ads API: ${ads.used.toLocaleString()} operations sent by the worker in the rolling 24 h` +
            (ads.limit === null
              ? ' (Standard access: no daily limit)'
              : ` of the developer token's ${ads.limit.toLocaleString()} (${share(ads.used / ads.limit)})`) +
            `, as of ${time(ads.at)}.`
        : 'Google Ads API: no live figure yet (the campaign reports its operations after its first velocity check).',
    );
    const team = detail.teamCapacity;
    setText(
      'team-capacity',
      team
        ? `team at the latest check: holds ${team.held} of ${team.capacity}, ${team.expectedArrivals.toFixed(1)} expected ` +
            `before the next check, headroom ${team.headroom.toFixed(1)}${team.headroom < 0 ? ' (over capacity)' : ''}`
        : 'team capacity: no live check yet',
    );
    fillTable('compliance-table', detail.compliance, 'compliance-row', 'no response targets recorded', (t) => [
      cell(`within ${duration(t.withinMs)}`),
      cell(share(t.target)),
      cell(share(t.actual)),
      cell(String(t.sample)),
      cell(t.met ? 'yes' : 'no', t.met ? 'good' : 'bad'),
    ]);
    renderProposals(detail.campaignId, detail.pendingProposals);
    fillTable('decisions-table', detail.decisionAttempts, 'decision-row', 'no decision attempts yet', (a) => [
      cell(time(a.at)),
      cell(a.proposalId),
      cell(a.decision),
      cell(a.approver),
      cell(a.channel),
      cell(a.outcome, a.outcome === 'accepted' ? 'good' : 'bad'),
      cell(a.detail),
    ]);
    fillTable('open-clocks-table', detail.openClocks, 'open-clock-row', 'no open clocks', (c) => [
      cell(c.leadId),
      cell(c.clock),
      cell(c.tier ?? '-'),
      cell(c.ownerId ?? '-'),
      cell(c.pausedAt ? `paused since ${time(c.pausedAt)}` : time(c.deadline)),
    ]);
    fillTable('breaches-table', detail.recentBreaches, 'breach-row', 'no breaches', (b) => [
      cell(b.leadId),
      cell(b.clock),
      cell(b.tier ?? '-'),
      cell(b.ownerId ?? '-'),
      cell(time(b.breachedAt)),
      cell(b.steps.map((s) => s.step).join(' → ') || '-'),
    ]);
  }

  // Reasons typed for each proposal survive the page's redraws.
  const reasons = new Map();

  function renderProposals(campaignId, proposals) {
    const table = byTestId('proposals-table');
    // Redrawing while someone types a reason would take their cursor away.
    if (table.contains(document.activeElement) && document.activeElement.tagName === 'INPUT') return;
    fillTable('proposals-table', proposals, 'proposal-row', 'nothing waiting for approval', (p) => {
      const decide = cell('');
      if (session.approver) {
        const reason = document.createElement('input');
        reason.placeholder = 'reason (recorded)';
        reason.dataset.testid = 'decision-reason';
        reason.value = reasons.get(p.proposalId) ?? '';
        reason.addEventListener('input', () => reasons.set(p.proposalId, reason.value));
        decide.append(reason);
        for (const decision of ['approve', 'reject']) {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = decision === 'approve' ? 'Approve' : 'Reject';
          button.dataset.testid = `${decision}-button`;
          button.addEventListener('click', () => decideProposal(campaignId, p.proposalId, decision, reason.value));
          decide.append(button);
        }
      } else {
        const code = document.createElement('code');
        code.textContent = p.approveCommand;
        decide.append(code);
      }
      return [cell(p.proposalId), cell(p.action), cell(p.reason), cell(time(p.expiresAt)), decide];
    });
  }

  function showMessage(text) {
    const message = byTestId('message');
    message.textContent = text;
    message.hidden = !text;
  }

  function showDecisionResult(text, ok) {
    const result = byTestId('decision-result');
    result.textContent = text;
    result.className = `message ${ok ? 'good' : 'bad'}`;
    result.hidden = !text;
  }

  // The token lives for this browser tab only; it goes out as a bearer header, never as a cookie.
  const TOKEN_KEY = 'campaign-sla-token';
  let session = { auth: 'none', approver: null };

  class SignInNeeded extends Error {}

  async function api(url, init = {}) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = { ...(init.headers || {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const response = await fetch(url, { cache: 'no-store', ...init, headers });
    const body = await response.json();
    if (response.status === 401) throw new SignInNeeded(body.error);
    if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
    return body;
  }
  const getJson = (url) => api(url);

  function showSession() {
    byTestId('login').hidden = !(session.auth === 'tokens' && !session.approver);
    byTestId('signed-in').hidden = !session.approver;
    setText('signed-in-as', session.approver ?? '');
  }

  async function loadSession() {
    try {
      session = await getJson('/api/session');
    } catch (err) {
      if (!(err instanceof SignInNeeded)) throw err;
      sessionStorage.removeItem(TOKEN_KEY);
      session = { auth: 'tokens', approver: null };
    }
    showSession();
  }

  async function decideProposal(campaignId, proposalId, decision, reason) {
    try {
      const { proposal } = await api(
        `/api/campaigns/${encodeURIComponent(campaignId)}/proposals/${encodeURIComponent(proposalId)}/decision`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision, reason }) },
      );
      reasons.delete(proposalId);
      showDecisionResult(`proposal ${proposalId}: ${proposal.status} by ${session.approver}`, true);
    } catch (err) {
      showDecisionResult(`proposal ${proposalId} not ${decision}d: ${err.message}`, false);
    }
    await refresh();
  }

  async function refresh() {
    if (session.auth === 'tokens' && !session.approver) return;
    try {
      const [campaigns, rows] = await Promise.all([getJson('/api/campaigns'), getJson('/api/portfolio')]);
      renderPortfolio(rows);
      const wanted = new URLSearchParams(location.search).get('campaign');
      const current = select.value || wanted;
      select.replaceChildren(...campaigns.map((c) => new Option(c.campaignId, c.campaignId)));
      if (campaigns.length === 0) {
        showMessage('no campaigns recorded yet — start one with: campaign-sla start <campaign.yaml>');
        return;
      }
      select.value = campaigns.some((c) => c.campaignId === current) ? current : campaigns[0].campaignId;
      render(await getJson(`/api/campaigns/${encodeURIComponent(select.value)}`));
      showMessage('');
      setText('last-updated', `updated ${new Date().toLocaleTimeString()}`);
    } catch (err) {
      if (err instanceof SignInNeeded) {
        sessionStorage.removeItem(TOKEN_KEY);
        await loadSession();
      }
      showMessage(`could not refresh: ${err.message}`);
    }
  }

  byTestId('login-button').addEventListener('click', async () => {
    sessionStorage.setItem(TOKEN_KEY, byTestId('login-token').value.trim());
    byTestId('login-token').value = '';
    await loadSession();
    showMessage(session.approver ? '' : 'that token is not valid (unknown or revoked)');
    await refresh();
  });
  byTestId('sign-out').addEventListener('click', async () => {
    sessionStorage.removeItem(TOKEN_KEY);
    await loadSession();
    await refresh();
  });

  select.addEventListener('change', refresh);
  loadSession()
    .then(refresh)
    .catch((err) => showMessage(`could not load: ${err.message}`));
  setInterval(refresh, POLL_MS);
})();
