import { describe, expect, it } from "vitest";
import { skipBrowserTests } from "./chromium.js";
import { labSession, openLab, stepOf } from "./web-lab-session.js";

// The playground's options shared with `rnnlab train` (optimizer, AMSGrad, init and gain, dropout,
// projection, top-p) reach the worker's run config through the URL and the form.

describe.skipIf(skipBrowserTests())("the playground's training options (rnnlab ui)", () => {
  const lab = labSession();

  it("a URL's optimizer, init, dropout and projection reach the worker's run config; the form's changes too", async () => {
    const query =
      "?layers=2&hidden=16&seqLen=8&batch=4&optimizer=rmsprop&init=orthogonal&initGain=2&dropout=0.2&projSize=8&topP=0.9";
    const { page, errors } = await openLab(lab(), query);
    expect(await page.getByTestId("projSize").inputValue()).toBe("8");
    expect(await page.getByTestId("topP").inputValue()).toBe("0.9");
    await page.getByTestId("step").click();
    await expect.poll(() => stepOf(page), { timeout: 30_000 }).toBe(1);
    const config = async () =>
      JSON.parse((await page.getByTestId("run-info").getAttribute("data-config")) ?? "null");
    expect((await config()).model).toMatchObject({
      init: { weights: "orthogonal", gain: 2 },
      projSize: 8,
      dropout: 0.2,
      outputDropout: 0.2,
    });
    expect((await config()).optimizer.name).toBe("rmsprop");

    await page.getByTestId("optimizer").selectOption("adam");
    await page.getByTestId("amsgrad").check();
    await expect.poll(() => new URL(page.url()).searchParams.get("amsgrad")).toBe("true");
    await page.getByTestId("step").click();
    await expect.poll(() => stepOf(page), { timeout: 30_000 }).toBe(1);
    await expect.poll(async () => (await config())?.optimizer).toMatchObject({ name: "adam", amsgrad: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
