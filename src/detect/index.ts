export { Detector, configFingerprint, type DetectorSnapshot } from './detector.js';
export { parseDetectorConfig, detectorConfigSchema, type DetectorConfig, type DetectorConfigInput } from './config.js';
export type { Finding, Severity } from './finding.js';
export { SEVERITIES } from './finding.js';
export type { RiskExplanation } from './risk.js';
export { followLog, loadDetector, runDetector, saveSnapshot, type EntrySource, type FindingSink, type RunOptions } from './run.js';
