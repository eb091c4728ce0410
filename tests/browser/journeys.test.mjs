// Each role's main journey through the web app, end to end, in headless
// Chromium against a real egret with a fresh small demo city.
//
//   node --test tests/browser/   (scripts/test-browser.sh builds what is needed)
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, openBrowser, signIn, shot, apiAs, PASSWORD, PHONE, DESKTOP } from './lib.mjs'

let server
const shared = {}
const files = mkdtempSync(join(tmpdir(), 'egret-files-'))

// A 1×1 PNG: real bytes, so the server's content sniffing accepts it.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

// A valid resident ID number (GB 11643, ISO 7064 MOD 11-2) for a person
// born in 1990, different on every run.
function idNumber() {
  const seq = String(100 + Math.floor(Math.random() * 899))
  const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')
  const body = `350203199003${day}${seq}`
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((s, c, i) => s + Number(c) * w[i], 0)
  return body + '10X98765432'[sum % 11]
}

function todayShanghai() {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date()).map((x) => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day}`
}

// Every visible form control must have a name a screen reader can read.
async function unlabelled(page) {
  return page.evaluate(() => {
    const bad = []
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden' || el.closest('[aria-hidden="true"]')) continue
      const r = el.getBoundingClientRect()
      const visible = r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'
      if (!visible && el.type !== 'file' && el.type !== 'radio' && el.type !== 'checkbox') continue
      const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label')
      if (!named) bad.push(el.outerHTML.slice(0, 120))
    }
    return bad
  })
}

before(async () => {
  server = await startServer()
})
after(async () => {
  if (server) await server.stop()
})

test('the sign-in page is Chinese by default, switches to English, and explains a wrong password', async () => {
  const b = await openBrowser(server.base, PHONE)
  try {
    const { page } = b
    await page.goto('/login')
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN')
    assert.match(await page.locator('h1').innerText(), /鹭岛/)
    assert.deepEqual(await unlabelled(page), [])
    await page.locator('#login-name').fill('worker')
    await page.locator('#login-password').fill('not-the-password')
    await page.locator('#login-password').press('Enter')
    await page.locator('[data-test=login-error]').waitFor()
    assert.match(await page.locator('[data-test=login-error]').innerText(), /账号或密码错误/)
    await page.locator('[data-test=lang-switch]').click()
    assert.equal(await page.getAttribute('html', 'lang'), 'en')
    await page.reload()
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the language choice is kept')
    assert.match(await page.locator('[data-test=login-submit]').innerText(), /Sign in/)
    await shot(page, 'login-en-phone')
    assert.deepEqual(b.outside, [], 'nothing is fetched from outside')
    assert.deepEqual(b.errors, [])
  } finally {
    await b.close()
  }
})

test('worker files a complaint with an evidence photo and sees it', async () => {
  const photo = join(files, 'payslip.png')
  writeFileSync(photo, PNG)
  const b = await openBrowser(server.base, PHONE)
  try {
    const { page } = b
    await signIn(page, 'worker')
    await page.waitForURL('**/w')
    await page.goto('/w/cases/new')
    await page.locator('[data-test=case-submit]').waitFor()
    assert.deepEqual(await unlabelled(page), [])
    // The respondent by name and credit code (workers cannot list organisations).
    const rname = page.locator('#case-rname')
    if (!(await rname.isVisible())) await page.getByText('其他企业').click()
    await rname.fill('厦门测试配送站')
    await page.locator('#case-rcode').fill('91350100M000100Y43')
    await page.locator('#case-matter').fill('拖欠十一月配送费（浏览器测试）')
    await page.locator('#case-facts').fill('站点以各种理由扣发十一月配送费。')
    await page.locator('#claim-amt-0').fill('1234.50')
    await page.setInputFiles('#case-files', photo)
    await page.locator('[data-test=case-submit]').click()
    await page.waitForURL(/\/w\/cases\/\d+$/)
    const head = page.locator('[data-test=case-head]')
    await head.waitFor()
    const number = (await page.locator('[data-test=case-head] h1').innerText()).trim()
    assert.match(number, /^[A-Z]+-\d{4}-\d{6}$/)
    assert.match(await head.innerText(), /待受理/)
    assert.match(await head.innerText(), /1,234\.50/)
    await page.locator('[data-test=evidence-list]').waitFor()
    assert.match(await page.locator('[data-test=evidence-list]').innerText(), /payslip\.png/)
    assert.match(await page.locator('[data-test=timeline]').innerText(), /提交申请|Filed/)
    shared.caseId = page.url().split('/').pop()
    shared.caseNumber = number
    await shot(page, 'worker-case-filed')
    await page.goto('/w/cases')
    await page.locator(`[data-test=case-${number}]`).waitFor()
    await shot(page, 'worker-cases')
    assert.deepEqual(b.outside, [])
  } finally {
    await b.close()
  }
})

test('mediator accepts the complaint and records a mediation session', async () => {
  assert.ok(shared.caseId, 'the worker journey filed a case')
  const b = await openBrowser(server.base, DESKTOP)
  try {
    const { page } = b
    await signIn(page, 'mediator')
    await page.waitForURL('**/staff/cases')
    await page.locator('[data-test=case-table]').waitFor()
    await page.locator(`[data-test="open-${shared.caseNumber}"]`).waitFor()
    await shot(page, 'mediator-inbox')
    await page.locator(`[data-test="open-${shared.caseNumber}"]`).click()
    await page.waitForURL(`**/staff/cases/${shared.caseId}`)
    await page.locator('[data-test=to-accepted]').click()
    await page.locator('[data-test=case-head] [data-state=accepted]').waitFor()
    // Only what the new state allows is offered.
    assert.equal(await page.locator('[data-test=to-accepted]').count(), 0)
    await page.locator('[data-test=add-session]').click()
    await page.locator('#ss-at').fill('2026-11-20 10:00')
    await page.locator('#ss-at').press('Enter')
    await page.locator('#ss-place').fill('中心调解室 2（浏览器测试）')
    await page.locator('#ss-parts').fill('申请人, 被申请人代表, 调解员')
    await page.locator('#ss-min').fill('双方陈述事实，约定下次补充结算记录。')
    await page.locator('[data-test=session-submit]').click()
    await page.locator('[data-test=sessions]').getByText('中心调解室 2（浏览器测试）').waitFor()
    assert.match(await page.locator('[data-test=timeline]').innerText(), /调解会议|Mediation session/)
    await shot(page, 'mediator-case-session')
    assert.deepEqual(b.errors, [])
  } finally {
    await b.close()
  }
})

test('a new worker registers, enrolls for today and sees the cover-day', async () => {
  const today = todayShanghai()
  const login = `w${Date.now().toString(36)}`
  const b = await openBrowser(server.base, PHONE)
  try {
    const { page } = b
    await page.goto('/register')
    assert.deepEqual(await unlabelled(page), [])
    await page.locator('#reg-name').fill('测试骑手')
    await page.locator('#reg-idn').fill(idNumber())
    await page.locator('#reg-login').fill(login)
    await page.locator('#reg-pw').fill('browser-test-pw')
    await page.locator('#reg-pw2').fill('browser-test-pw')
    await page.locator('#reg-pw2').press('Enter')
    await page.waitForURL('**/w')
    await page.goto('/w/insurance')
    await page.locator('[data-test=enroll-today]').click()
    const cover = page.locator(`[data-test=cover-${today}]`)
    await cover.waitFor()
    assert.match(await cover.innerText(), /待支付|保障中/)
    assert.match(await page.locator('[data-test=today-cover]').innerText(), /待支付|保障中/)
    await shot(page, 'worker-enrolled-today')
    // Enrolling twice never doubles the day.
    assert.equal(await page.locator('[data-test=enroll-today]').count(), 0)
  } finally {
    await b.close()
  }
})

test('insurer opens an accepted claim and assesses it', async () => {
  const b = await openBrowser(server.base, DESKTOP)
  try {
    const { page } = b
    await signIn(page, 'insurer')
    await page.goto('/insurance/claims')
    await page.locator('[data-test=claim-figures]').waitFor()
    const ins = await apiAs(server.base, 'insurer')
    const res = await ins.get('/api/v1/claims?state=accepted&limit=1')
    assert.equal(res.status, 200)
    assert.ok(res.json.items.length > 0, 'the demo has an accepted claim')
    const claim = res.json.items[0]
    await page.locator(`[data-test="claim-${claim.claim_no}"]`).waitFor()
    await shot(page, 'insurer-claims')
    await page.locator(`[data-test="claim-${claim.claim_no}"]`).click()
    await page.waitForURL(`**/insurance/claims/${claim.id}`)
    await page.locator('[data-test=assessment]').waitFor()
    await page.locator('#it-costs-0').fill('3100')
    await page.locator('[data-test=assess-submit]').click()
    await page.locator('[data-test=claim-summary] [data-state=assessed]').waitFor()
    const after = await ins.get(`/api/v1/claims/${claim.id}`)
    assert.equal(after.json.state, 'assessed')
    assert.ok(after.json.assessed_total_fen > 0)
    await shot(page, 'insurer-claim-assessed')
  } finally {
    await b.close()
  }
})

test('analyst sees the city dashboard with charts', async () => {
  const b = await openBrowser(server.base, DESKTOP)
  try {
    const { page } = b
    await signIn(page, 'analyst')
    await page.waitForURL('**/monitor')
    await page.locator('[data-test=overview-kpis] .kpi').first().waitFor()
    await page.locator('[data-test=chart] canvas').first().waitFor()
    assert.ok((await page.locator('[data-test=chart]').count()) >= 1)
    // Analysts have no case workbench and no administration in their menu.
    assert.equal(await page.locator('[data-test="nav-/staff/cases"]').count(), 0)
    assert.equal(await page.locator('[data-test="nav-/admin/users"]').count(), 0)
    await shot(page, 'analyst-overview')
    assert.deepEqual(b.outside, [])
  } finally {
    await b.close()
  }
})

test('admin lists users and searches them', async () => {
  const b = await openBrowser(server.base, DESKTOP)
  try {
    const { page } = b
    await signIn(page, 'admin')
    await page.waitForURL('**/admin/users')
    const table = page.locator('[data-test=user-table]')
    await table.getByText('mediator.siming').waitFor()
    await page.locator('#us-q').fill('mediator')
    await page.locator('#us-q').press('Enter')
    await table.getByText('mediator.hrss').waitFor()
    await page.waitForFunction(() => !document.querySelector('[data-test=user-table]').innerText.includes('insurer'))
    const logins = await table.locator('tbody tr td:first-child').allInnerTexts()
    assert.ok(logins.length >= 2)
    for (const l of logins) assert.match(l, /mediator/)
    await shot(page, 'admin-users')
  } finally {
    await b.close()
  }
})

test('supervisor filters the audit trail', async () => {
  const b = await openBrowser(server.base, DESKTOP)
  try {
    const { page } = b
    await signIn(page, 'supervisor')
    await page.goto('/audit')
    const table = page.locator('[data-test=audit-table]')
    await table.locator('tbody tr').first().waitFor()
    await page.locator('#au-action').fill('auth.login')
    await page.locator('#au-actor').fill('supervisor')
    await page.locator('#au-actor').press('Enter')
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-test=audit-table] tbody tr')]
      return rows.length > 0 && rows.every((r) => r.innerText.includes('auth.login') && r.innerText.includes('supervisor'))
    })
    await page.locator('[data-test=verify]').click()
    await page.getByText(/哈希链完整|Chain intact/).first().waitFor()
    await shot(page, 'supervisor-audit')
  } finally {
    await b.close()
  }
})

test('a worker cannot open a staff page, and the server refuses too', async () => {
  const b = await openBrowser(server.base, PHONE)
  try {
    const { page } = b
    await signIn(page, 'worker')
    for (const path of ['/staff/cases', '/admin/users', '/insurance/claims', '/monitor', '/audit']) {
      await page.goto(path)
      await page.locator('[data-test=forbidden]').waitFor()
      assert.match(page.url(), /\/forbidden/)
    }
    await shot(page, 'worker-forbidden')
    const worker = await apiAs(server.base, 'worker')
    assert.equal((await worker.get('/api/v1/users')).status, 403)
    assert.equal((await worker.get('/api/v1/audit')).status, 403)
  } finally {
    await b.close()
  }
})

test('signed out, a page asks for sign-in and returns there afterwards', async () => {
  const b = await openBrowser(server.base, DESKTOP)
  try {
    const { page } = b
    await page.goto('/staff/cases')
    await page.waitForURL(/\/login\?next=/)
    await page.locator('#login-name').fill('mediator')
    await page.locator('#login-password').fill(PASSWORD)
    await page.locator('#login-password').press('Enter')
    await page.waitForURL('**/staff/cases')
  } finally {
    await b.close()
  }
})

test('the QR landing page works without signing in', async () => {
  const b = await openBrowser(server.base, PHONE)
  try {
    const { page } = b
    await page.goto('/intake?channel=qr')
    await page.locator('[data-test=qr-landing]').waitFor()
    await page.locator('[data-test=qr-register]').click()
    await page.waitForURL(/\/register\?next=/)
    await shot(page, 'qr-register')
  } finally {
    await b.close()
  }
})
