// Places: the nearest search and the list of districts (with a centre) to
// search from when the browser's location is not available.
import { api, fetchAll } from './api.js'

export const PLACE_TYPES = ['rest_station', 'rights_service_point', 'insurance_point', 'love_meal', 'water', 'charging', 'toilet']

export async function nearest({ lat, lng, type, amenity, limit = 10 }) {
  const res = await api.get('/api/v1/places/nearest', { lat, lng, type, amenity, limit })
  return res.items || []
}

// Districts with a centre: the data dictionary's district list (code,
// label, label_en, lat, lng); a district without a centre falls back to
// the mean position of its places.
export async function districts(lang = 'zh-CN') {
  const res = await api.get('/api/v1/dictionary/district')
  const list = (res.items || []).filter((d) => d.active !== false)
  const name = (d) => (lang === 'en' && d.label_en ? d.label_en : d.label)
  const out = list
    .filter((d) => Number.isFinite(+d.lat) && Number.isFinite(+d.lng) && (+d.lat !== 0 || +d.lng !== 0))
    .map((d) => ({ code: d.code, name: name(d), lat: +d.lat, lng: +d.lng }))
  if (out.length === list.length) return out
  const places = await fetchAll('/api/v1/places', {}, 2000)
  for (const d of list) {
    if (out.some((x) => x.code === d.code)) continue
    const mine = places.filter((p) => p.district === d.code)
    if (!mine.length) continue
    const lat = mine.reduce((a, p) => a + +p.lat, 0) / mine.length
    const lng = mine.reduce((a, p) => a + +p.lng, 0) / mine.length
    out.push({ code: d.code, name: name(d), lat, lng })
  }
  return out
}

// District code → name, for showing a place's district.
export async function districtNames(lang = 'zh-CN') {
  const res = await api.get('/api/v1/dictionary/district')
  const by = {}
  for (const d of res.items || []) by[d.code] = lang === 'en' && d.label_en ? d.label_en : d.label
  return by
}

export function browserLocation(timeout = 8000) {
  return new Promise((ok, fail) => {
    if (!navigator.geolocation) return fail(new Error('unsupported'))
    navigator.geolocation.getCurrentPosition(
      (p) => ok({ lat: p.coords.latitude, lng: p.coords.longitude }),
      (e) => fail(e),
      { enableHighAccuracy: false, timeout, maximumAge: 60000 }
    )
  })
}
