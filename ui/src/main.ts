import "@fontsource-variable/inter";
import "./app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { tauriBackend } from "./lib/backend";
import { applyTheme, savedTheme } from "./lib/theme";

applyTheme(savedTheme());
mount(App, { target: document.getElementById("app")!, props: { backend: tauriBackend } });
