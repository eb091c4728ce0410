// The one way the web app talks to egret: JSON over /api/v1 with the
// bearer token of the signed-in person. Every failure becomes an ApiError
// carrying the server's {"error":{"code","message","field"}} so screens can
// translate the code and highlight the field.
import { session, clearSession } from './session.js'

export class ApiError extends Error {
  constructor(status, code, message, field, extra) {
    super(message || code)
    this.status = status
    this.code = code
    this.field = field || null
    this.extra = extra || null
  }
}

// Build "path?query" from an object, leaving out empty values.
export function withQuery(path, query) {
  if (!query) return path
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    if (Array.isArray(v)) {
      if (v.length) q.set(k, v.join(','))
    } else q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path
}

let onUnauthenticated = null
// The router registers what to do when the session is gone (back to sign-in).
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn
}

// request(method, path, { body, query, form, headers, raw, text })
//   body  – sent as JSON
//   form  – a FormData (multipart) or Blob sent as is
//   raw   – return the Response (for downloads)
export async function request(method, path, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) }
  let body
  if (opts.form !== undefined) {
    body = opts.form
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  if (session.token) headers.Authorization = `Bearer ${session.token}`
  const url = withQuery(path.startsWith('/') ? path : `/api/v1/${path}`, opts.query)
  let res
  try {
    res = await fetch(url, { method, headers, body })
  } catch (e) {
    throw new ApiError(0, 'network', String(e && e.message ? e.message : e))
  }
  if (res.ok && opts.raw) return res
  if (res.status === 204) return null
  const ctype = res.headers.get('Content-Type') || ''
  let data = null
  if (ctype.includes('json')) {
    try {
      data = await res.json()
    } catch {
      data = null
    }
  } else if (!res.ok) {
    data = null
  } else {
    return opts.text ? await res.text() : res
  }
  if (!res.ok) {
    const e = (data && data.error) || {}
    const err = new ApiError(res.status, e.code || `http_${res.status}`, e.message || res.statusText, e.field, e)
    err.body = data
    if (res.status === 401 && session.token && !opts.noAuthRedirect) {
      clearSession()
      if (onUnauthenticated) onUnauthenticated(err)
    }
    throw err
  }
  return data
}

export const api = {
  get: (path, query, opts = {}) => request('GET', path, { ...opts, query }),
  post: (path, body, opts = {}) => request('POST', path, { ...opts, body }),
  put: (path, body, opts = {}) => request('PUT', path, { ...opts, body }),
  patch: (path, body, opts = {}) => request('PATCH', path, { ...opts, body }),
  del: (path, opts = {}) => request('DELETE', path, opts),
  upload: (path, form, opts = {}) => request('POST', path, { ...opts, form })
}

// Fetch every page of a cursor-paginated list (bounded by max items).
export async function fetchAll(path, query = {}, max = 1000) {
  const items = []
  let cursor = null
  do {
    const page = await api.get(path, { ...query, limit: 200, cursor })
    items.push(...((page && page.items) || []))
    cursor = page && page.next_cursor
  } while (cursor && items.length < max)
  return items
}

// Download a file the API produces (PDF, Excel) with the bearer token and
// hand it to the browser as a file save (or open it in a new tab).
export async function download(path, query, filename, { open = false } = {}) {
  const res = await request('GET', path, { query, raw: true, headers: { Accept: '*/*' } })
  const blob = await res.blob()
  const url = URL.createObjectURL(blob)
  if (open) {
    window.open(url, '_blank', 'noopener')
  } else {
    const cd = res.headers.get('Content-Disposition') || ''
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd)
    const a = document.createElement('a')
    a.href = url
    a.download = filename || (m ? decodeURIComponent(m[1]) : 'download')
    document.body.appendChild(a)
    a.click()
    a.remove()
  }
  setTimeout(() => URL.revokeObjectURL(url), 60000)
}
