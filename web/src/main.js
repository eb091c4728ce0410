import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router.js'
import { i18n } from './lib/i18n.js'
// Styles of the components used through functions (not templates).
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import 'element-plus/es/components/loading/style/css'
import './styles.css'

createApp(App).use(i18n).use(router).mount('#app')
