/**
 * Says so when the extension may not reach websites (Firefox treats MV3 host permissions as the user's to grant or
 * withdraw; Chrome's "site access" too) and asks for them again on a click: without them no original can be fetched
 * and no control appears on Google Images.
 */
import { useEffect, useState } from 'preact/hooks';
import { hostAccess } from '../platform/browser-adapters.ts';
import { t } from '../platform/i18n.ts';

export function HostAccess() {
  const [granted, setGranted] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void hostAccess.granted().then(setGranted, () => setGranted(null));
  }, []);
  if (granted !== false) return null;
  const ask = () => {
    // Called in the click itself: the browser asks the user only inside a user gesture.
    hostAccess.request().then(
      (yes) => {
        setGranted(yes);
        setError(yes ? null : t('hostAccessRefused'));
      },
      (reason: unknown) => setError(String(reason)),
    );
  };
  return (
    <p class="error" role="alert" data-testid="host-access">
      {t('hostAccessMissing')}{' '}
      <button type="button" class="primary" onClick={ask}>
        {t('hostAccessAllow')}
      </button>
      {error && <span> {error}</span>}
    </p>
  );
}
