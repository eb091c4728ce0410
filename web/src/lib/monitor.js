// The monitoring API as the dashboard reads it. GET /api/v1/indicators
// answers {scope, id, name, period, from, to, indicators, series:
// [{start, end, days, values: {name: value}}]}; indicators() flattens it
// into rows {indicator, date, end, value, scope, scope_id, scope_name}.
import { api } from './api.js'

// The departments' feeds (traffic police, social insurance) on the overview.
export const DEPT_INDICATORS = ['traffic_incidents', 'traffic_injuries', 'uncovered_injuries', 'social_insurance_coverage']

export const KEY_INDICATORS = ['active_workers', 'online_hours_per_worker', 'fatigue_share', 'min_wage_ratio', 'penalties_per_100_orders', 'deactivations_per_1000_workers', 'cases_per_1000_workers', 'insurance_coverage']

// query: {scope, id, period: day|week, from, to, names: [..]}
export async function indicators(query) {
  const res = await api.get('/api/v1/indicators', query)
  const rows = []
  for (const s of res.series || []) {
    for (const [name, value] of Object.entries(s.values || {})) {
      rows.push({ indicator: name, date: s.start, end: s.end, value, scope: res.scope, scope_id: res.id, scope_name: res.name })
    }
  }
  return rows
}

// One indicator by platform, sector or district over a range:
// [{key, name, value, worker_days, orders}].
export async function breakdown(query) {
  const res = await api.get('/api/v1/dashboard/breakdown', query)
  return res.rows || []
}

// The ids and names of one scope's members, for series by scope.
export async function scopeMembers(scope) {
  if (scope === 'platform') {
    const res = await api.get('/api/v1/platforms', { limit: 200 })
    return (res.items || []).filter((p) => !p.archived).map((p) => ({ id: String(p.id), name: p.name }))
  }
  const list = scope === 'sector' ? 'sector' : 'district'
  const res = await api.get(`/api/v1/dictionary/${list}`)
  return (res.items || []).filter((d) => d.active !== false).map((d) => ({ id: d.code, name: d.label }))
}

export const indName = (r) => r.indicator || r.name || r.key
export const indDate = (r) => r.date || r.period || r.day || r.week || r.from
export const indValue = (r) => (r.value === null || r.value === undefined ? null : Number(r.value))

// A value for display by unit.
export function fmtIndicator(name, v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  if (/share|coverage/.test(name)) return `${(v * 100).toFixed(1)}%`
  if (/_fen|income/.test(name)) return (v / 100).toFixed(2)
  if (/ratio/.test(name)) return v.toFixed(2)
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString() : (+v.toFixed(2)).toString()
}
