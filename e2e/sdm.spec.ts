// Journey (W3, P31): the SDM template shows its procedure on the timeline — the exemplar index
// refitted and the q/d stores refreshed from its two ports before every SDM epoch, then the
// calibration fit — and trains to the end in the browser.
import { expect, test } from '@playwright/test';

test('the SDM template shows refits and refreshes on the timeline and trains through the calibration fit', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto('/?template=sdm-verified-classifier&backend=wasm');
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await expect(page.getByTestId('phase-refits-sdm')).toHaveText('refit sdm /epoch');
  await expect(page.getByTestId('phase-refreshes-sdm')).toHaveText(
    'refresh sdmQ ← sdm:q /epoch, sdmD ← sdm:d /epoch',
  );
  await expect(page.getByTestId('phase-sdm')).toHaveAttribute(
    'title',
    /refits node sdm \(closed form\) every epoch/,
  );
  await expect(page.getByTestId('phase-calibrate')).toHaveAttribute('title', /overrides sdm/);
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 220_000 });
  await expect(page.getByTestId('phase-softmax')).toContainText('1/1');
  await expect(page.getByTestId('phase-sdm')).toContainText('11/11');
});
