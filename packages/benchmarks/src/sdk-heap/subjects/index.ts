import type { HeapSubjectFactory } from '../subject.js';
import { flagsmithSubject } from './flagsmith.js';
import { growthBookSubject } from './growthbook.js';
import { launchDarklySubject, launchDarklyTestDataSubject } from './launchdarkly.js';
import { openFeatureSubject } from './openfeature.js';
import { switchboardHeldSubject, switchboardSubject } from './switchboard.js';
import { unleashSubject } from './unleash.js';

/** Every SDK in the heap comparison, in report order. */
export const SUBJECTS: Record<string, HeapSubjectFactory> = {
  switchboard: switchboardSubject,
  'switchboard-unevaluated': switchboardHeldSubject,
  openfeature: openFeatureSubject,
  growthbook: growthBookSubject,
  unleash: unleashSubject,
  launchdarkly: launchDarklySubject,
  'launchdarkly-testdata': launchDarklyTestDataSubject,
  flagsmith: flagsmithSubject,
};
