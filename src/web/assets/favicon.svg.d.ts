// favicon.svg is served as a file; the server imports it as text, so to TypeScript it is a string.
declare const text: string;
export default text;
