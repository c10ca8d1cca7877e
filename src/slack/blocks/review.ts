/**
 * Block Kit for ICP reviews, by surface: the reminder message (review-message.ts), the drift report's
 * tables and Details (review-report.ts), the modals (review-modals.ts) and the App Home section
 * (review-home.ts). Pure builders; this file only gathers them for the listeners.
 */
export * from './review-home.ts';
export * from './review-ids.ts';
export * from './review-message.ts';
export * from './review-modals.ts';
export * from './review-report.ts';
