// A cursor-paginated list for the staff tables: filters, one page of
// items, and a stack of cursors for going back.
import { reactive } from 'vue'
import { api } from './api.js'
import { toastError } from './errors.js'

export function useCursorList(path, { limit = 20, filters = {}, clean = (f) => f } = {}) {
  const s = reactive({ items: [], loading: false, stack: [null], next: null, filters: { ...filters }, error: null })
  async function fetchPage(cursor) {
    s.loading = true
    s.error = null
    try {
      const res = await api.get(typeof path === 'function' ? path() : path, { ...clean({ ...s.filters }), limit, cursor })
      s.items = res.items || []
      s.next = res.next_cursor || null
    } catch (e) {
      s.error = e
      s.items = []
      s.next = null
      toastError(e)
    } finally {
      s.loading = false
    }
  }
  return {
    s,
    search() {
      s.stack = [null]
      return fetchPage(null)
    },
    reset() {
      s.filters = { ...filters }
      s.stack = [null]
      return fetchPage(null)
    },
    reload() {
      return fetchPage(s.stack[s.stack.length - 1])
    },
    next() {
      if (!s.next) return
      s.stack.push(s.next)
      return fetchPage(s.next)
    },
    prev() {
      if (s.stack.length < 2) return
      s.stack.pop()
      return fetchPage(s.stack[s.stack.length - 1])
    },
    first() {
      s.stack = [null]
      return fetchPage(null)
    }
  }
}
