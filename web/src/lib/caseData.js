// Everything about one case, loaded together for the worker's and the
// staff's case pages: the case, its timeline, evidence, sessions, the
// agreement (404 while there is none), payments and the rating.
import { reactive } from 'vue'
import { api } from './api.js'

async function opt(p) {
  try {
    return await p
  } catch (e) {
    if (e.status === 404 || e.status === 403 || e.status === 405) return null
    throw e
  }
}

export function useCase(id) {
  const s = reactive({
    loading: true,
    error: null,
    c: null,
    events: [],
    evidence: [],
    sessions: [],
    responses: [],
    agreement: null,
    payments: [],
    rating: null
  })
  async function load() {
    s.loading = true
    s.error = null
    try {
      const base = `/api/v1/cases/${id()}`
      s.c = await api.get(base)
      const [ev, evi, ses, resp, ag, pay, rat] = await Promise.all([
        opt(api.get(`${base}/events`)),
        opt(api.get(`${base}/evidence`)),
        opt(api.get(`${base}/sessions`)),
        opt(api.get(`${base}/responses`)),
        opt(api.get(`${base}/agreement`)),
        opt(api.get(`${base}/payments`)),
        s.c.rated ? opt(api.get(`${base}/rating`)) : null
      ])
      s.events = (ev && ev.items) || []
      s.evidence = (evi && evi.items) || []
      s.sessions = (ses && ses.items) || []
      s.responses = (resp && resp.items) || []
      s.agreement = ag
      s.payments = (pay && pay.items) || []
      s.rating = rat
    } catch (e) {
      s.error = e
    } finally {
      s.loading = false
    }
  }
  return { s, load }
}
