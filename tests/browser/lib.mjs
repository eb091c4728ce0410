// Shared pieces of the browser tests: start a real egret on a free loopback
// port with a fresh seeded demo database, drive Debian's Chromium headless
// through playwright-core (never a downloaded browser), sign in as a demo
// account, take screenshots into tests/artifacts/browser/.
import { spawn, execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdirSync, mkdtempSync, rmSync, existsSync, createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import net from 'node:net'

const here = dirname(fileURLToPath(import.meta.url))
export const root = resolve(here, '../..')
// playwright-core is a dev dependency of the web app (one lock file).
const require = createRequire(join(root, 'web', 'package.json'))
const { chromium } = require('playwright-core')

export const ARTIFACTS = join(root, 'tests', 'artifacts', 'browser')
export const PASSWORD = 'egret-city-demo'
const CHROMIUM = process.env.EGRET_CHROMIUM || '/usr/bin/chromium'

function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer()
    s.unref()
    s.on('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => ok(port))
    })
  })
}

async function waitReady(base, proc, ms = 30000) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`egret exited early (code ${proc.exitCode})`)
    try {
      const r = await fetch(`${base}/readyz`)
      if (r.ok) return
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 150))
  }
  throw new Error('egret did not become ready in time')
}

// Start egret (EGRET_BIN or build/egret) with a fresh small demo city.
// Reuses EGRET_BROWSER_BASE when set (a server someone already runs).
export async function startServer() {
  if (process.env.EGRET_BROWSER_BASE) return { base: process.env.EGRET_BROWSER_BASE, stop: async () => {} }
  const bin = process.env.EGRET_BIN || join(root, 'build', 'egret')
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build egret first (scripts/test.sh or cmake)`)
  const dir = mkdtempSync(join(tmpdir(), 'egret-browser-'))
  const port = await freePort()
  const env = {
    ...process.env,
    EGRET_DB: join(dir, 'egret.db'),
    EGRET_SECURITY_KEY_FILE: join(dir, 'key'),
    EGRET_DEMO_SCALE: 'small',
    EGRET_SERVER_STATIC_DIR: join(root, 'web', 'dist'),
    EGRET_LISTEN: `127.0.0.1:${port}`
  }
  execFileSync(bin, ['migrate'], { env, stdio: 'ignore' })
  execFileSync(bin, ['seed-demo'], { env, stdio: 'ignore' })
  mkdirSync(ARTIFACTS, { recursive: true })
  const log = createWriteStream(join(ARTIFACTS, 'egret-serve.log'), { flags: 'a' })
  const proc = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  proc.stdout.pipe(log)
  proc.stderr.pipe(log)
  const base = `http://127.0.0.1:${port}`
  await waitReady(base, proc)
  return {
    base,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM')
        await new Promise((r) => {
          const t = setTimeout(() => {
            proc.kill('SIGKILL')
            r()
          }, 5000)
          proc.once('exit', () => {
            clearTimeout(t)
            r()
          })
        })
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export const PHONE = { viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
export const DESKTOP = { viewport: { width: 1366, height: 860 } }

// A fresh Chromium (its own new profile directory, given as the user data
// dir) with one page for one person. Requests that leave the machine are
// failed and remembered, so a test can assert nothing came from outside.
export async function openBrowser(base, device = DESKTOP, extra = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'egret-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync'
    ],
    ...device,
    baseURL: base,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...extra
  })
  const outside = []
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url())
    if (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.protocol === 'data:' || u.protocol === 'blob:') return route.continue()
    outside.push(u.href)
    return route.abort()
  })
  const page = context.pages()[0] || (await context.newPage())
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))
  page.setDefaultTimeout(15000)
  return {
    context,
    page,
    outside,
    errors,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  }
}

export async function signIn(page, login, password = PASSWORD) {
  await page.goto('/login')
  await page.locator('#login-name').fill(login)
  await page.locator('#login-password').fill(password)
  await page.locator('#login-password').press('Enter')
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

// Call the API directly with a demo account's token (for set-up and checks).
export async function apiAs(base, login, password = PASSWORD) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login, password })
  })
  if (!r.ok) throw new Error(`login ${login}: ${r.status} ${await r.text()}`)
  const { token } = await r.json()
  const call = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined
    })
    const text = await res.text()
    let json = null
    try {
      json = JSON.parse(text)
    } catch {
      json = text
    }
    return { status: res.status, json }
  }
  return { token, get: (p) => call('GET', p), post: (p, b) => call('POST', p, b), patch: (p, b) => call('PATCH', p, b) }
}
