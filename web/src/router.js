// Pages and who may open them. meta.roles lists the roles allowed; a page
// without meta.roles is public. Signing in is required for the rest; a role
// not listed lands on the "not allowed" page (the server would answer 403).
import { createRouter, createWebHistory } from 'vue-router'
import { session, clearSession } from './lib/session.js'
import { api, setUnauthenticatedHandler } from './lib/api.js'
import { homeOf } from './lib/roles.js'

const W = ['worker']
const MED = ['mediator', 'supervisor', 'admin']
const INS = ['insurer', 'supervisor', 'admin']
const MON = ['analyst', 'supervisor', 'admin']
const ADM = ['admin']

const views = import.meta.glob('./views/**/*.vue')
const v = (p) => views[`./views/${p}.vue`]

const routes = [
  { path: '/', name: 'root', component: v('public/Home') },
  { path: '/login', name: 'login', component: v('public/Login'), meta: { bare: true } },
  { path: '/register', name: 'register', component: v('public/Register'), meta: { bare: true } },
  { path: '/qr', name: 'qr', component: v('public/QrLanding'), meta: { bare: true } },
  { path: '/intake', name: 'intake', component: v('public/QrLanding'), meta: { bare: true } },
  { path: '/forbidden', name: 'forbidden', component: v('public/Forbidden') },

  {
    path: '/w',
    component: () => import('./layouts/WorkerLayout.vue'),
    meta: { roles: W },
    children: [
      { path: '', name: 'w-home', component: v('worker/Home') },
      { path: 'cases', name: 'w-cases', component: v('worker/Cases') },
      { path: 'cases/new', name: 'w-case-new', component: v('worker/CaseNew') },
      { path: 'cases/:id', name: 'w-case', component: v('worker/CaseDetail'), props: true },
      { path: 'insurance', name: 'w-insurance', component: v('worker/Insurance') },
      { path: 'claims/new', name: 'w-claim-new', component: v('worker/ClaimNew') },
      { path: 'claims/:id', name: 'w-claim', component: v('worker/ClaimDetail'), props: true },
      { path: 'places', name: 'w-places', component: v('worker/Places') },
      { path: 'services', name: 'w-services', component: v('worker/Services') },
      { path: 'me', name: 'w-me', component: v('worker/Me') }
    ]
  },

  {
    path: '/',
    component: () => import('./layouts/StaffLayout.vue'),
    children: [
      { path: 'staff/cases', name: 's-cases', component: v('staff/Cases'), meta: { roles: MED } },
      { path: 'staff/cases/:id', name: 's-case', component: v('staff/CaseDetail'), props: true, meta: { roles: MED } },
      { path: 'staff/intake', name: 's-intake', component: v('staff/Intake'), meta: { roles: ['mediator'] } },
      { path: 'staff/consultations', name: 's-consults', component: v('staff/Consultations'), meta: { roles: MED } },
      { path: 'platform/cases', name: 'p-cases', component: v('staff/Cases'), meta: { roles: ['platform'] } },
      { path: 'platform/cases/:id', name: 'p-case', component: v('staff/CaseDetail'), props: true, meta: { roles: ['platform'] } },

      { path: 'insurance/enrollments', name: 'i-enrollments', component: v('insurer/Enrollments'), meta: { roles: INS } },
      { path: 'insurance/orders', name: 'i-orders', component: v('insurer/Orders'), meta: { roles: INS } },
      { path: 'insurance/claims', name: 'i-claims', component: v('insurer/Claims'), meta: { roles: INS } },
      { path: 'insurance/claims/:id', name: 'i-claim', component: v('insurer/ClaimDetail'), props: true, meta: { roles: INS } },
      { path: 'insurance/settlement', name: 'i-settlement', component: v('insurer/Settlement'), meta: { roles: INS } },

      { path: 'monitor', name: 'm-overview', component: v('monitor/Overview'), meta: { roles: MON } },
      { path: 'monitor/trends', name: 'm-trends', component: v('monitor/Trends'), meta: { roles: MON } },
      { path: 'monitor/platforms', name: 'm-platforms', component: v('monitor/Platforms'), meta: { roles: MON } },
      { path: 'monitor/alerts', name: 'm-alerts', component: v('monitor/Alerts'), meta: { roles: MON } },
      { path: 'monitor/places', name: 'm-places', component: v('monitor/PlacesMap'), meta: { roles: MON } },

      { path: 'admin/users', name: 'a-users', component: v('admin/Users'), meta: { roles: ADM } },
      { path: 'admin/departments', name: 'a-departments', component: v('admin/Departments'), meta: { roles: ADM } },
      { path: 'admin/places', name: 'a-places', component: v('admin/Places'), meta: { roles: ADM } },
      { path: 'admin/products', name: 'a-products', component: v('admin/Products'), meta: { roles: ADM } },
      { path: 'admin/rules', name: 'a-rules', component: v('admin/Rules'), meta: { roles: ADM } },
      { path: 'admin/dictionary', name: 'a-dictionary', component: v('admin/Dictionary'), meta: { roles: ADM } },
      { path: 'audit', name: 'audit', component: v('admin/Audit'), meta: { roles: ['supervisor', 'admin'] } }
    ]
  },
  { path: '/:pathMatch(.*)*', name: 'notfound', component: v('public/NotFound') }
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 })
})

// Load the account behind a stored token once per page load.
export async function loadSession() {
  if (session.loaded) return
  if (!session.token) {
    session.loaded = true
    return
  }
  try {
    session.user = await api.get('/api/v1/me', null, { noAuthRedirect: true })
  } catch {
    clearSession()
  }
  session.loaded = true
}

router.beforeEach(async (to) => {
  await loadSession()
  const roles = to.matched.map((r) => r.meta && r.meta.roles).filter(Boolean).pop()
  if (to.name === 'root') {
    return session.user ? homeOf(session.user.role) : '/login'
  }
  if ((to.name === 'login' || to.name === 'register') && session.user) {
    return homeOf(session.user.role)
  }
  if (!roles) return true
  if (!session.user) return { name: 'login', query: { next: to.fullPath } }
  if (!roles.includes(session.user.role)) return { name: 'forbidden', query: { from: to.fullPath } }
  return true
})

setUnauthenticatedHandler(() => {
  const cur = router.currentRoute.value
  if (cur.name !== 'login') router.replace({ name: 'login', query: { next: cur.fullPath, expired: '1' } })
})
