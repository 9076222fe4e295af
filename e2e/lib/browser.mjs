// Headless Chromium (Debian's package) driven by playwright-core, for the block explorer's tests. Installs the
// package with scripts/ensure-deps.sh --browser when it is missing, as ./test.sh does before the e2e run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot } from './node.mjs';

export const artifactsDir = path.join(repoRoot, 'artifacts');

function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  let found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    execFileSync('bash', [path.join(repoRoot, 'scripts/ensure-deps.sh'), '--browser'], { stdio: 'inherit' });
    found = candidates.find((p) => fs.existsSync(p));
  }
  if (!found) throw new Error('Chromium is not installed (apt-get install -y chromium)');
  return found;
}

/** Launches headless Chromium; the sandbox is off because tests may run as root (CI does). */
export function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Saves a full-page screenshot as artifacts/<name>.png and returns its path. */
export async function screenshot(page, name) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
