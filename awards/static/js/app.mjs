// Progressive enhancement only: every page works without it.
import { initAll } from "../build/govuk-frontend.min.js";

initAll();
