// Display helpers: money in fen shown as yuan (integer arithmetic only),
// instants shown in Asia/Shanghai, business dates as they are.

const TZ = 'Asia/Shanghai'

// 123456 → "1,234.56"; null/undefined → "—"
export function yuan(fen, { sign = false } = {}) {
  if (fen === null || fen === undefined || fen === '') return '—'
  let n = typeof fen === 'bigint' ? fen : BigInt(Math.trunc(Number(fen)))
  const neg = n < 0n
  if (neg) n = -n
  const whole = (n / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const cents = (n % 100n).toString().padStart(2, '0')
  return `${neg ? '-' : sign ? '+' : ''}${whole}.${cents}`
}

// "12.3" → 1230; "" → null; throws nothing: returns NaN for garbage.
export function toFen(text) {
  if (text === null || text === undefined) return null
  const s = String(text).trim().replace(/,/g, '')
  if (s === '') return null
  const m = /^(-?)(\d+)(?:\.(\d{0,2}))?$/.exec(s)
  if (!m) return NaN
  const fen = Number(m[2]) * 100 + Number((m[3] || '').padEnd(2, '0'))
  return m[1] ? -fen : fen
}

export function fenToInput(fen) {
  if (fen === null || fen === undefined) return ''
  return yuan(fen).replace(/,/g, '')
}

const parts = (d, opts) => {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, hour12: false, ...opts })
  const o = {}
  for (const p of f.formatToParts(d)) o[p.type] = p.value
  return o
}

// The business date today in Asia/Shanghai, 'YYYY-MM-DD'.
export function todaySh(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 86400000)
  const p = parts(d, { year: 'numeric', month: '2-digit', day: '2-digit' })
  return `${p.year}-${p.month}-${p.day}`
}

// An RFC 3339 instant (or Unix seconds) as 'YYYY-MM-DD HH:mm' Shanghai time.
export function dateTime(v) {
  if (v === null || v === undefined || v === '') return '—'
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v)
  if (Number.isNaN(d.getTime())) return String(v)
  const p = parts(d, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
  const hh = p.hour === '24' ? '00' : p.hour
  return `${p.year}-${p.month}-${p.day} ${hh}:${p.minute}`
}

export function dateOnly(v) {
  if (!v) return '—'
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v
  return dateTime(v).slice(0, 10)
}

// A local 'YYYY-MM-DDTHH:mm' (datetime-local, Shanghai wall time) as RFC 3339 UTC.
export function shanghaiToInstant(local) {
  if (!local) return null
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(local)
  if (!m) return null
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4] - 8, +m[5])
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

// Distance in metres as "350 m" / "2.4 km".
export function distance(m) {
  if (m === null || m === undefined) return '—'
  if (m < 1000) return `${Math.round(m)} m`
  return `${(m / 1000).toFixed(1)} km`
}

export function percent(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  return `${(v * 100).toFixed(digits)}%`
}
