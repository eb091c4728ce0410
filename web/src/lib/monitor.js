// The monitoring API as the dashboard reads it. Shapes are read
// defensively: indicator rows carry {indicator|name, value, date|period,
// scope, scope_id|platform_id, …}.
import { api } from './api.js'

export const KEY_INDICATORS = ['active_workers', 'online_hours_per_worker', 'fatigue_share', 'min_wage_ratio', 'penalties_per_100_orders', 'deactivations_per_1000', 'cases_per_1000', 'insurance_coverage']

export async function indicators(query) {
  const res = await api.get('/api/v1/indicators', query)
  return res.items || []
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
