// Entry point of the browser app.
import { createApp } from 'vue';
import './ui/style.css';
import { nextTask } from './ui/editor/scheduling';

// The app's modules are chunks of their own: evaluating the graph core (its zod schemas are built as
// it loads), the UI's modules, mounting the app and (App.vue) starting the engine and the editor
// each run in a task of their own, so no task of the start runs long.
await import('./graph/document');
await nextTask();
const { default: App } = await import('./ui/App.vue');
await nextTask();
createApp(App).mount('#app');
