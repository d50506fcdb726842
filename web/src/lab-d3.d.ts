// d3 ships no types and @types/d3 is not installed: the Lab view only hands the module to the report's
// drawing code (plot-client.ts), which declares the few functions it calls.
declare module "d3";
