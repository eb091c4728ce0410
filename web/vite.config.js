// Vite build of the egret web app. The output (dist/) is served by
// `egret serve` from EGRET_SERVER_STATIC_DIR with a fallback to index.html
// for every page path, so the router uses HTML5 history.
//
// Element Plus components are imported on demand (unplugin-vue-components
// with its resolver, which also pulls in each component's CSS), so the
// bundle carries only what the screens use. Nothing is loaded from outside
// at run time: no CDN, no web fonts, no map tiles.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import AutoImport from 'unplugin-auto-import/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// `npm run dev` forwards the API to a running egret (EGRET_API, default :8080).
const api = process.env.EGRET_API || 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [
    vue(),
    AutoImport({
      resolvers: [ElementPlusResolver()],
      dts: false
    }),
    Components({
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
      dts: false
    })
  ],
  define: {
    __VUE_OPTIONS_API__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    sourcemap: false,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts'
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element-plus'
          if (id.includes('node_modules/')) return 'vendor'
        }
      }
    }
  },
  server: {
    proxy: {
      '/api': api,
      '/healthz': api
    }
  }
})
