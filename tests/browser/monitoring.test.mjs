// The screens on the monitoring and places APIs, end to end, in headless
// Chromium against a real egret with a fresh small demo city: the nearest
// rest station from a district, trends, platform indicators and
// scorecards, acknowledging and silencing an alert, the places list.
//
//   node --test tests/browser/   (scripts/test-browser.sh builds what is needed)
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, openBrowser, signIn, shot, apiAs, PHONE, DESKTOP } from './lib.mjs'

let server

before(async () => {
  server = await startServer()
})
after(async () => {
  if (server) await server.stop()
})

// Pick an option of an Element Plus select by its visible text.
async function choose(page, selectSelector, text) {
  await page.locator(selectSelector).click()
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: text }).first()
  await option.waitFor()
  await option.click()
}

test('worker finds the nearest rest station from a chosen district', async () => {
  const api = await apiAs(server.base, 'worker')
  const dict = await api.get('/api/v1/dictionary/district')
  assert.equal(dict.status, 200)
  const district = dict.json.items.find((d) => d.active !== false && Number.isFinite(d.lat) && d.lat !== 0)
  assert.ok(district, 'the demo city has a district with a centre')
  const expected = await api.get(`/api/v1/places/nearest?lat=${district.lat}&lng=${district.lng}&type=rest_station&limit=10`)
  assert.equal(expected.status, 200)
  assert.ok(expected.json.items.length > 0, 'the demo city has rest stations')

  const b = await openBrowser(server.base, PHONE)
  try {
    const { page } = b
    await signIn(page, 'worker')
    await page.waitForURL('**/w')
    await page.goto('/w/places')
    await page.locator('[data-test=place-district]').waitFor()
    await choose(page, '[data-test=place-district]', district.label)
    const items = page.locator('[data-test=place-item]')
    await items.first().waitFor()
    assert.equal(await items.count(), expected.json.items.length)
    // Nearest first, with the same first place as the API and a distance.
    assert.match(await items.first().innerText(), new RegExp(expected.json.items[0].name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    const dists = await page.locator('[data-test=place-distance]').allInnerTexts()
    for (const d of dists) assert.match(d, /\d/)
    for (const item of await items.allInnerTexts()) assert.match(item, /爱心驿站/)
    // The offline map drawing: one point per place and "you are here".
    const map = page.locator('[data-test=place-map] svg')
    await map.waitFor()
    assert.equal(await map.locator('circle.pt').count(), expected.json.items.length)
    assert.match(await map.innerHTML(), /#dc2626/)
    await shot(page, 'worker-places-nearest')
    assert.deepEqual(b.outside, [])
  } finally {
    await b.close()
  }
})

test('analyst sees trends, platform indicators and scorecards', async () => {
  const b = await openBrowser(server.base, DESKTOP)
  try {
    const { page } = b
    await signIn(page, 'analyst')
    await page.waitForURL('**/monitor')
    // The indicator cards of the overview come from the indicators API.
    await page.locator('[data-test=overview-kpis] .kpi').first().waitFor()

    await page.goto('/monitor/trends')
    const table = page.locator('[data-test=trend-table]')
    await table.waitFor()
    assert.ok((await table.locator('tbody tr').count()) >= 7)
    await page.locator('[data-test=chart] canvas').first().waitFor()
    assert.equal(await page.getByText('尚未开放').count(), 0)
    await shot(page, 'analyst-trends')

    await page.goto('/monitor/platforms')
    const inds = page.locator('[data-test=platform-indicators]')
    await inds.waitFor()
    assert.ok((await inds.locator('tbody tr').count()) >= 1)
    // Active workers are a number for at least one platform.
    assert.match(await inds.locator('tbody').innerText(), /\d/)
    const cards = page.locator('[data-test=scorecards]')
    await cards.waitFor()
    const cardText = await cards.locator('tbody').innerText()
    assert.match(cardText, /[✓✗]/)
    assert.match(cardText, /\d{4}-\d{2}-\d{2}/)
    assert.equal(await page.getByText('尚未开放').count(), 0)
    await shot(page, 'analyst-platforms')
    assert.deepEqual(b.outside, [])
  } finally {
    await b.close()
  }
})

test('analyst acknowledges an alert and silences one', async () => {
  const api = await apiAs(server.base, 'analyst')
  const open = await api.get('/api/v1/alerts?state=firing&limit=200')
  assert.equal(open.status, 200)
  const unacked = open.json.items.filter((a) => !a.acked)
  assert.ok(unacked.length >= 1, 'the demo city has a firing alert not yet acknowledged')

  const b = await openBrowser(server.base, DESKTOP)
  try {
    const { page } = b
    await signIn(page, 'analyst')
    await page.goto('/monitor/alerts')
    const table = page.locator('[data-test=alert-table]')
    const ack = table.locator('[data-test=alert-ack]').first()
    await ack.waitFor()
    const before = await table.locator('[data-test=alert-ack]').count()
    await ack.click()
    const box = page.locator('.el-message-box')
    await box.waitFor()
    await box.locator('input').fill('已联系平台核实（浏览器测试）')
    await box.locator('.el-message-box__btns .el-button--primary').click()
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-test=alert-table] [data-test=alert-ack]').length === n - 1,
      before
    )
    await table.getByText('已联系平台核实（浏览器测试）').waitFor()
    const after = await api.get('/api/v1/alerts?state=firing&limit=200')
    assert.equal(after.json.items.filter((a) => a.ack_comment === '已联系平台核实（浏览器测试）').length, 1)

    // Silence the first alert for a week (the dialog's default date).
    await table.locator('[data-test=alert-silence]').first().click()
    await page.locator('[data-test=silence-submit]').click()
    await table.locator('[data-test=alert-silenced]').first().waitFor()
    const silenced = await api.get('/api/v1/alerts?state=firing&silenced=true&limit=200')
    assert.ok(silenced.json.items.length >= 1)
    await shot(page, 'analyst-alerts')
    assert.deepEqual(b.outside, [])
  } finally {
    await b.close()
  }
})

test('admin sees the places list with district names', async () => {
  const api = await apiAs(server.base, 'admin')
  const places = await api.get('/api/v1/places?limit=20')
  assert.equal(places.status, 200)
  assert.ok(places.json.items.length > 0)
  const dict = await api.get('/api/v1/dictionary/district')
  const first = places.json.items[0]
  const dname = dict.json.items.find((d) => d.code === first.district).label

  const b = await openBrowser(server.base, DESKTOP)
  try {
    const { page } = b
    await signIn(page, 'admin')
    await page.goto('/admin/places')
    const table = page.locator('[data-test=places-table]')
    await table.getByText(first.name).first().waitFor()
    assert.equal(await table.locator('tbody tr').count(), places.json.items.length)
    await table.getByText(dname).first().waitFor()
    assert.equal(await page.getByText('尚未开放').count(), 0)
    // Filter by type: only rest stations remain.
    await choose(page, '.el-select:has(#ap-type) .el-select__wrapper', '爱心驿站')
    await page.locator('form.search-form button[type=submit]').click()
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-test=places-table] tbody tr')]
      return rows.length > 0 && rows.every((r) => r.innerText.includes('爱心驿站'))
    })
    await shot(page, 'admin-places')
    assert.deepEqual(b.outside, [])
  } finally {
    await b.close()
  }
})
