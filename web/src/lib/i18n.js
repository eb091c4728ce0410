// Translations: Chinese by default, English switchable; the choice is kept
// in localStorage and mirrored in <html lang> so screen readers and the
// browser know the page's language. Every text on screen comes from
// locales/zh-CN.json or locales/en.json.
import { createI18n } from 'vue-i18n'
import { computed } from 'vue'
import zhCN from '../locales/zh-CN.json'
import en from '../locales/en.json'
import elZhCn from 'element-plus/es/locale/lang/zh-cn'
import elEn from 'element-plus/es/locale/lang/en'

const KEY = 'egret.lang'
export const LANGS = [
  { code: 'zh-CN', label: '中文' },
  { code: 'en', label: 'English' }
]

function initial() {
  const saved = localStorage.getItem(KEY)
  return LANGS.some((l) => l.code === saved) ? saved : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
  missingWarn: false,
  fallbackWarn: false
})

function applyLang(code) {
  document.documentElement.lang = code
  document.title = i18n.global.t('app.title')
}
applyLang(i18n.global.locale.value)

export function setLang(code) {
  i18n.global.locale.value = code
  localStorage.setItem(KEY, code)
  applyLang(code)
}

export const elementLocale = computed(() => (i18n.global.locale.value === 'en' ? elEn : elZhCn))

export const t = (...a) => i18n.global.t(...a)
export const te = (k) => i18n.global.te(k)

// A code from the API (a state, a type …) in words: "cases.state.mediating"
// when translated, otherwise the code itself.
export function label(group, code) {
  if (code === null || code === undefined || code === '') return '—'
  const k = `${group}.${code}`
  return te(k) ? t(k) : String(code)
}
