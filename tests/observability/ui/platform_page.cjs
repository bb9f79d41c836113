// Signs in to Airflow's UI in headless Chromium, opens the platform page from its nav entry, and prints what
// the page shows as JSON: the nav entry, the Airflow version, and each table's rows (cell texts).
// Run by tests/observability/test_platform_page.py with PLAYWRIGHT_CORE (the installed package's folder),
// BASE_URL, AIRFLOW_USERNAME, AIRFLOW_PASSWORD and SCREENSHOT (where to save the page).
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const TABLES = ["components", "queues", "pools", "import-errors", "slowest-files", "providers", "bundles"];

(async () => {
  // Debian's chromium, not a browser Playwright downloads; no sandbox, as root in CI.
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    await page.goto(`${process.env.BASE_URL}/`);
    await page.fill("input[name=username]", process.env.AIRFLOW_USERNAME);
    await page.fill("input[name=password]", process.env.AIRFLOW_PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL((url) => !url.pathname.startsWith("/auth"), { timeout: 30000 });

    const nav = page.getByRole("link", { name: "Platform" });
    await nav.waitFor({ timeout: 30000 });
    const navHref = await nav.getAttribute("href");
    await nav.click();
    const frame = page.frameLocator("iframe");
    await frame.locator("#airflow-version").waitFor({ timeout: 30000 });

    const tables = {};
    for (const id of TABLES) {
      const element = frame.locator(`#${id}`);
      tables[id] = await element.evaluate((node) =>
        node.tagName === "TABLE"
          ? [...node.querySelectorAll("tr")].slice(1).map((row) => [...row.cells].map((cell) => cell.innerText.trim()))
          : [],
      );
    }
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
    console.log(
      JSON.stringify({
        navHref,
        url: page.url(),
        airflowVersion: await frame.locator("#airflow-version").innerText(),
        tables,
      }),
    );
  } finally {
    await browser.close();
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
