// Signing in after many failed attempts (see POST /api/v1/auth/login in
// docs/openapi.yaml): the server may answer 429 challenge_required with
// {"challenge": {"value", "bits", "algorithm": "sha256"}}; the next attempt
// sends "challenge" and a "solution" such that SHA-256(value || solution)
// starts with `bits` zero bits. A successful sign-in returns a "device"
// token: sent back next time, strangers' failures never hold this browser
// back.

function zeroBits(h) {
  let n = 0
  for (const b of h) {
    if (b === 0) {
      n += 8
      continue
    }
    return n + Math.clz32(b) - 24
  }
  return n
}

export async function solveChallenge(value, bits) {
  const enc = new TextEncoder()
  const prefix = enc.encode(value)
  for (let i = 0; ; i++) {
    const s = String(i)
    const tail = enc.encode(s)
    const buf = new Uint8Array(prefix.length + tail.length)
    buf.set(prefix)
    buf.set(tail, prefix.length)
    const h = new Uint8Array(await crypto.subtle.digest('SHA-256', buf))
    if (zeroBits(h) >= bits) return s
  }
}

const DEVICES = 'egret.devices'

function devices() {
  try {
    return JSON.parse(localStorage.getItem(DEVICES) || '{}') || {}
  } catch {
    return {}
  }
}

export function deviceFor(login) {
  return devices()[login] || undefined
}

export function rememberDevice(login, token) {
  if (!token) return
  const all = devices()
  all[login] = token
  try {
    localStorage.setItem(DEVICES, JSON.stringify(all))
  } catch {
    /* private mode: the next sign-in is simply a stranger's */
  }
}
