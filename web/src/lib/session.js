// The signed-in person: the bearer token (kept in localStorage so a reload
// keeps the session) and the account from /api/v1/me.
import { reactive } from 'vue'

const KEY = 'egret.token'

export const session = reactive({
  token: localStorage.getItem(KEY) || '',
  user: null,
  loaded: false
})

export function setSession(token, user) {
  session.token = token
  session.user = user
  session.loaded = true
  localStorage.setItem(KEY, token)
}

export function clearSession() {
  session.token = ''
  session.user = null
  session.loaded = true
  localStorage.removeItem(KEY)
}

export function role() {
  return session.user ? session.user.role : null
}

export function hasRole(...roles) {
  const r = role()
  return !!r && roles.includes(r)
}
