// What each role sees: its home page and its menu. The server enforces the
// same rules; this only keeps people away from screens they may not use.
export const ROLES = ['worker', 'platform', 'mediator', 'insurer', 'analyst', 'supervisor', 'admin']
export const STAFF = ['mediator', 'insurer', 'analyst', 'supervisor', 'admin']

export const HOME = {
  worker: '/w',
  platform: '/platform/cases',
  mediator: '/staff/cases',
  insurer: '/insurance/claims',
  analyst: '/monitor',
  supervisor: '/monitor',
  admin: '/admin/users'
}

export function homeOf(role) {
  return HOME[role] || '/login'
}

// The staff menu: groups of items, each visible to the roles listed.
export const MENU = [
  {
    key: 'cases',
    icon: 'cases',
    items: [
      { to: '/staff/cases', label: 'menu.cases', roles: ['mediator', 'supervisor', 'admin'] },
      { to: '/staff/intake', label: 'menu.intake', roles: ['mediator'] },
      { to: '/staff/consultations', label: 'menu.consultations', roles: ['mediator', 'supervisor', 'admin'] },
      { to: '/platform/cases', label: 'menu.platform_cases', roles: ['platform'] }
    ]
  },
  {
    key: 'insurance',
    icon: 'insurance',
    items: [
      { to: '/insurance/enrollments', label: 'menu.enrollments', roles: ['insurer', 'supervisor', 'admin'] },
      { to: '/insurance/orders', label: 'menu.orders', roles: ['insurer', 'supervisor', 'admin'] },
      { to: '/insurance/claims', label: 'menu.claims', roles: ['insurer', 'supervisor', 'admin'] },
      { to: '/insurance/settlement', label: 'menu.settlement', roles: ['insurer', 'supervisor', 'admin'] }
    ]
  },
  {
    key: 'monitor',
    icon: 'monitor',
    items: [
      { to: '/monitor', label: 'menu.overview', roles: ['analyst', 'supervisor', 'admin'] },
      { to: '/monitor/trends', label: 'menu.trends', roles: ['analyst', 'supervisor', 'admin'] },
      { to: '/monitor/platforms', label: 'menu.platforms', roles: ['analyst', 'supervisor', 'admin'] },
      { to: '/monitor/alerts', label: 'menu.alerts', roles: ['analyst', 'supervisor', 'admin'] },
      { to: '/monitor/places', label: 'menu.places_map', roles: ['analyst', 'supervisor', 'admin'] }
    ]
  },
  {
    key: 'admin',
    icon: 'admin',
    items: [
      { to: '/admin/users', label: 'menu.users', roles: ['admin'] },
      { to: '/admin/departments', label: 'menu.departments', roles: ['admin'] },
      { to: '/admin/places', label: 'menu.places', roles: ['admin'] },
      { to: '/admin/products', label: 'menu.products', roles: ['admin'] },
      { to: '/admin/rules', label: 'menu.rules', roles: ['admin'] },
      { to: '/admin/dictionary', label: 'menu.dictionary', roles: ['admin'] },
      { to: '/audit', label: 'menu.audit', roles: ['supervisor', 'admin'] }
    ]
  }
]

export function menuFor(role) {
  return MENU.map((g) => ({ ...g, items: g.items.filter((i) => i.roles.includes(role)) })).filter((g) => g.items.length)
}
