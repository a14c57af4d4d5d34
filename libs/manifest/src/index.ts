export * from './label-selector';
export * from './names';
