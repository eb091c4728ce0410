// API errors in words a person understands: the error code is translated
// (errors.<code>), a named field is mentioned by its label, and forms get
// the message under the field that caused it.
import { reactive } from 'vue'
import { ElMessage } from 'element-plus'
import { t, te } from './i18n.js'

export function describeError(err) {
  if (!err) return ''
  const code = err.code || 'unknown'
  let text = te(`errors.${code}`) ? t(`errors.${code}`) : err.message || t('errors.unknown')
  if (code === 'network') text = t('errors.network')
  if (err.field) {
    const f = te(`fields.${err.field}`) ? t(`fields.${err.field}`) : err.field
    text = `${text}（${t('errors.field_named', { field: f })}）`
  }
  // The server's own sentence adds detail for business-rule refusals
  // (e.g. which transitions are allowed); show it after ours.
  if (['illegal_transition', 'unprocessable', 'conflict', 'batch_rejected'].includes(code) && err.message) {
    text = `${text} ${err.message}`
  }
  return text
}

export function toastError(err) {
  ElMessage({ type: 'error', message: describeError(err), showClose: true, duration: 6000 })
}

// Field errors of one form: bind :error="fe.errors.name" on el-form-item.
export function useFieldErrors() {
  const errors = reactive({})
  return {
    errors,
    clear() {
      for (const k of Object.keys(errors)) delete errors[k]
    },
    // Show err: under its field when the form has it, else as a message.
    apply(err, known = []) {
      for (const k of Object.keys(errors)) delete errors[k]
      const text = describeError(err)
      if (err && err.field && (known.length === 0 || known.includes(err.field))) {
        errors[err.field] = text
      }
      toastError(err)
      return text
    }
  }
}
