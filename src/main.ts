// Entry point of the browser app.
import { createApp } from 'vue';
import App from './ui/App.vue';
import './ui/style.css';

createApp(App).mount('#app');
