// The translations: both languages have the same keys, and every key the
// code names literally (t('…'), $t('…')) exists.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { root } from './lib.mjs'

const dir = join(root, 'web', 'src')
const zh = JSON.parse(readFileSync(join(dir, 'locales', 'zh-CN.json'), 'utf8'))
const en = JSON.parse(readFileSync(join(dir, 'locales', 'en.json'), 'utf8'))

function keys(o, prefix = '') {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
}
function files(d) {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f)
    return statSync(p).isDirectory() ? files(p) : /\.(vue|js)$/.test(f) ? [p] : []
  })
}

test('Chinese and English have the same keys', () => {
  const a = new Set(keys(zh)), b = new Set(keys(en))
  assert.deepEqual([...a].filter((k) => !b.has(k)), [], 'missing in en.json')
  assert.deepEqual([...b].filter((k) => !a.has(k)), [], 'missing in zh-CN.json')
})

test('every literal translation key in the code exists', () => {
  const have = new Set(keys(zh))
  const missing = []
  let seen = 0
  for (const f of files(dir)) {
    const src = readFileSync(f, 'utf8')
    for (const m of src.matchAll(/\$?\bt\(\s*'([a-z_]+(?:\.[a-z_0-9]+)+)'/g)) if (++seen && !have.has(m[1])) missing.push(`${f.slice(dir.length + 1)}: ${m[1]}`)
  }
  assert.ok(seen > 200, `only ${seen} keys found: the scan is broken`)
  assert.deepEqual(missing, [])
})

test('no message uses characters vue-i18n would take as syntax', () => {
  const bad = keys(zh).filter((k) => {
    const get = (o) => k.split('.').reduce((x, p) => x[p], o)
    return [get(zh), get(en)].some((s) => /[@|$]/.test(s))
  })
  assert.deepEqual(bad, [])
})
